"""Reacting to lower apps: a captured online payment of the debtor is collected on the file; a
bidder's deposit registers them; the winner's balance is kept for the sale."""

from typing import Any

from django.dispatch import receiver

from tanzim.finance.signals import payment_captured


@receiver(payment_captured)
def on_payment_captured(sender: Any, payment: Any, **kwargs: Any) -> None:
    if not str(getattr(payment, "reference_type", "")).startswith("enforcement."):
        return
    from tanzim.enforcement.services import auction_pay
    from tanzim.enforcement.services.online import payment_collected

    if payment.reference_type in (auction_pay.DEPOSIT_REFERENCE, auction_pay.BALANCE_REFERENCE):
        auction_pay.on_captured(payment)
    else:
        payment_collected(payment=payment)
