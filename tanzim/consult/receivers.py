"""Reacting to lower apps: a captured payment confirms its consultation; a call's appointment
cancelled in scheduling cancels (and refunds) its consultation."""

from django.dispatch import receiver

from tanzim.finance.signals import payment_captured
from tanzim.scheduling.signals import appointment_cancelled


@receiver(payment_captured)
def on_payment_captured(sender, payment, **kwargs):
    if getattr(payment, "reference_type", "") != "consult.consultation":
        return
    from tanzim.consult.services.consultations import consultation_mark_paid

    consultation_mark_paid(consultation_id=int(payment.reference_id), payment_id=payment.pk)


@receiver(appointment_cancelled, dispatch_uid="consult-appointment-cancelled")
def on_appointment_cancelled(sender, appointment_id=None, **kwargs):
    if appointment_id is None:
        return
    from tanzim.consult.services.consultations import consultation_cancel_for_appointment

    consultation_cancel_for_appointment(appointment_id=int(appointment_id))
