"""Receivers: a party who says they now live abroad (or back in Iran) updates their open disputes."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from tanzim.accounts.residence import residence_changed
from tanzim.disputes.services.residence import party_residence_changed


@receiver(residence_changed, dispatch_uid="disputes.party_residence_changed")
def _residence_changed(sender: Any, user: Any, resident_abroad: bool, **kwargs: Any) -> None:
    party_residence_changed(user=user, resident_abroad=resident_abroad)
