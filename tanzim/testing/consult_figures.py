"""Consultation rows for figure and ranking tests: made as they stand after their workflow, with
their own timestamps (the figures count each on the day of its own event)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any


def consultant_at(office: Any, user: Any) -> Any:
    from tanzim.consult.models import Consultant

    consultant, _created = Consultant.objects.get_or_create(
        user=user, defaults={"office": office, "basis": "kanoon_approved", "licence_number": "K-1"}
    )
    return consultant


def written(
    consultant: Any,
    citizen: Any,
    *,
    asked: datetime,
    answered_after: timedelta | None = None,
    refunded: bool = False,
    closed_after: timedelta | None = None,
    outcome: str = "advice_given",
) -> Any:
    """A paid written question asked at ``asked``: answered after ``answered_after`` (and closed
    after ``closed_after``), refunded at its deadline, or still waiting."""
    from tanzim.consult.models import Consultation

    due = asked + timedelta(hours=48)
    status, changed, answered_at, closed_at = "booked", asked, None, None
    if answered_after is not None:
        status, answered_at = "answered", asked + answered_after
        changed = answered_at
        if closed_after is not None:
            status, closed_at = "closed", asked + closed_after
            changed = closed_at
    elif refunded:
        status, changed = "refunded", due + timedelta(minutes=5)
    consultation = Consultation.objects.create(
        reference="T" + secrets.token_hex(5)[:9].upper(),
        citizen=citizen,
        consultant=consultant,
        office=consultant.office,
        service_code="consultation",
        mode="written",
        answer_due_at=due,
        question="پرسش",
        price=500_000,
        status=status,
        status_changed_at=changed,
        answered_at=answered_at,
        closed_at=closed_at,
        outcome=outcome if closed_at else "",
    )
    Consultation.objects.filter(pk=consultation.pk).update(created_at=asked)
    return consultation
