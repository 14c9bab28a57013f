"""Signals this app sends (after commit, ids only): a lower app that cares subscribes; none imports us."""

from __future__ import annotations

from django.dispatch import Signal

#: A partner's outcome (or return without action) was recorded: ``referral_id``.
referral_outcome = Signal()
