"""Reacting to feedback: repeated complaints, or an upheld serious one, call for an inspection.

Signals arrive after the complaint was saved; a failure here is logged and never undoes it.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from tanzim.feedback.signals import complaint_decided, complaint_filed

logger = logging.getLogger(__name__)


def _trigger(complaint_id, outcome=None) -> None:
    from tanzim.inspections.tasks import trigger_for_complaint

    try:
        trigger_for_complaint.delay(int(complaint_id), outcome)
    except Exception:
        logger.exception("inspections: could not queue the complaint trigger for complaint #%s", complaint_id)


@receiver(complaint_filed, dispatch_uid="inspections-complaint-filed")
def on_complaint_filed(sender, complaint_id=None, **kwargs):
    if complaint_id is not None:
        _trigger(complaint_id)


@receiver(complaint_decided, dispatch_uid="inspections-complaint-decided")
def on_complaint_decided(sender, complaint_id=None, outcome=None, **kwargs):
    if complaint_id is not None and outcome in ("upheld", "partly_upheld"):
        _trigger(complaint_id, outcome)
