"""Background work: thin wrappers that take ids, re-read, call one service, and are safe to repeat."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from tanzim.common.jalali import tehran_date


@shared_task(name="tanzim.scheduling.tasks.send_due_reminders")
def send_due_reminders() -> dict:
    """Beat, every 5 minutes: each reminder is claimed by compare-and-set, so a rerun sends none twice."""
    from tanzim.scheduling.services import reminders_send

    return reminders_send()


@shared_task(name="tanzim.scheduling.tasks.mark_no_shows")
def mark_no_shows() -> int:
    from tanzim.scheduling.services import appointments_mark_no_shows

    return appointments_mark_no_shows()


@shared_task(name="tanzim.scheduling.tasks.regenerate_office_slots")
def regenerate_office_slots(office_id: int) -> dict:
    from tanzim.offices.models import Office
    from tanzim.scheduling.services import slots_generate

    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        return {}
    return vars(slots_generate(office=office))


@shared_task(name="tanzim.scheduling.tasks.regenerate_all_slots")
def regenerate_all_slots() -> dict:
    from tanzim.scheduling.services import slots_generate_all

    return vars(slots_generate_all())


@shared_task(name="tanzim.scheduling.tasks.extend_slots")
def extend_slots() -> dict:
    """Nightly: one more day enters the booking horizon."""
    return regenerate_all_slots()


@shared_task(name="tanzim.scheduling.tasks.refresh_office_stats")
def refresh_office_stats() -> int:
    from tanzim.offices.choices import OfficeStatus
    from tanzim.offices.models import Office
    from tanzim.scheduling.metrics import office_day_stats_compute
    from tanzim.scheduling.services import office_stats_refresh

    today = tehran_date(timezone.now())
    count = 0
    for office in Office.objects.filter(status=OfficeStatus.ACTIVE).select_related("province"):
        office_stats_refresh(office=office)
        office_day_stats_compute(office=office, day=today)
        count += 1
    return count


@shared_task(name="tanzim.scheduling.tasks.close_queues")
def close_queues() -> int:
    """Late evening: close today's queues and fix the day's figures."""
    from tanzim.offices.models import Office
    from tanzim.scheduling.metrics import office_day_stats_compute
    from tanzim.scheduling.services import queue_close_day

    today = tehran_date(timezone.now())
    closed = 0
    for office in Office.objects.select_related("province"):
        closed += queue_close_day(office=office, day=today)
        office_day_stats_compute(office=office, day=today)
        office_day_stats_compute(office=office, day=today - timedelta(days=1))
    return closed
