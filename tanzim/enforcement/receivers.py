"""Reacting to lower apps: a captured online payment of the debtor is collected on the file."""

from typing import Any

from django.dispatch import receiver

from tanzim.finance.signals import payment_captured


@receiver(payment_captured)
def on_payment_captured(sender: Any, payment: Any, **kwargs: Any) -> None:
    if not str(getattr(payment, "reference_type", "")).startswith("enforcement."):
        return
    from tanzim.enforcement.services.online import payment_collected

    payment_collected(payment=payment)
