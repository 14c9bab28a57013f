"""Reacting to lower apps: a captured payment confirms its consultation."""

from django.dispatch import receiver

from tanzim.finance.signals import payment_captured


@receiver(payment_captured)
def on_payment_captured(sender, payment, **kwargs):
    if getattr(payment, "reference_type", "") != "consult.consultation":
        return
    from tanzim.consult.services.consultations import consultation_mark_paid

    consultation_mark_paid(consultation_id=int(payment.reference_id), payment_id=payment.pk)
