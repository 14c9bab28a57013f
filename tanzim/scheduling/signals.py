"""Domain signals other apps may subscribe to, and this app's reactions to office changes.

Signals are sent after the transaction commits, with ids only (``appointment_id``).
A change to an office's working hours or counters, or to the holiday table, regenerates
the slot table after commit; booked slots are never touched by a regeneration.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from tanzim.audit.workflow import transitioned
from tanzim.offices.models import Counter, Holiday, Office, WorkingHours

appointment_booked = Signal()  # appointment_id
appointment_cancelled = Signal()  # appointment_id
appointment_served = Signal()  # appointment_id; feedback may invite a survey
ticket_served = Signal()  # ticket_id


def send_after_commit(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))


def _regenerate_office(office_id: int) -> None:
    from tanzim.scheduling.tasks import regenerate_office_slots

    transaction.on_commit(lambda: regenerate_office_slots.delay(office_id))


@receiver([post_save, post_delete], sender=WorkingHours, dispatch_uid="scheduling-hours-changed")
@receiver([post_save, post_delete], sender=Counter, dispatch_uid="scheduling-counter-changed")
def office_setup_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    _regenerate_office(instance.office_id)


@receiver(post_save, sender=Office, dispatch_uid="scheduling-office-changed")
def office_changed(sender, instance, created=False, raw=False, **kwargs):
    # A new office gets its slots when its hours and counters are saved; a status change
    # (suspended, closed, reopened) opens or closes its future slots.
    if raw or created:
        return
    _regenerate_office(instance.pk)


@receiver(transitioned, sender=Office, dispatch_uid="scheduling-office-moved")
def office_moved(sender, pk, **kwargs):
    # Suspended, closed or reopened through the offices workflow (an UPDATE: no post_save).
    _regenerate_office(pk)


@receiver([post_save, post_delete], sender=Holiday, dispatch_uid="scheduling-holiday-changed")
def holiday_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from tanzim.scheduling.tasks import regenerate_all_slots

    transaction.on_commit(lambda: regenerate_all_slots.delay())
