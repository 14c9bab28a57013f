"""Reacting to lower apps: a captured payment moves its case to "paid"."""

from django.dispatch import receiver

from tanzim.finance.signals import payment_captured


@receiver(payment_captured)
def on_payment_captured(sender, payment, **kwargs):
    if getattr(payment, "reference_type", "") != "cases.case":
        return
    from tanzim.cases.services import case_mark_paid

    case_mark_paid(case_id=int(payment.reference_id), payment_id=payment.pk)
