"""Reacting to lower apps: a captured guarantee deposit completes the applicant's guarantee step."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from tanzim.finance.signals import payment_captured


@receiver(payment_captured)
def on_payment_captured(sender: Any, payment: Any, **kwargs: Any) -> None:
    from tanzim.membership.services.guarantee import REFERENCE_TYPE, guarantee_paid

    if getattr(payment, "reference_type", "") == REFERENCE_TYPE:
        guarantee_paid(payment=payment)
