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
    """Nightly: one more day enters the booking horizon (only the last days are brought in line)."""
    from tanzim.scheduling.services.slots import slots_extend_all

    return vars(slots_extend_all())


@shared_task(name="tanzim.scheduling.tasks.refresh_office_stats")
def refresh_office_stats() -> int:
    """Every 15 minutes: the figures of offices busy today (the nightly task covers the rest)."""
    from datetime import datetime, time

    from tanzim.common.jalali import TEHRAN
    from tanzim.offices.choices import OfficeStatus
    from tanzim.offices.models import Office
    from tanzim.scheduling.metrics import office_day_stats_compute
    from tanzim.scheduling.models import Appointment, QueueTicket
    from tanzim.scheduling.services import office_stats_refresh

    today = tehran_date(timezone.now())
    start = datetime.combine(today, time(0), tzinfo=TEHRAN)
    busy = set(QueueTicket.objects.filter(day=today).values_list("office_id", flat=True).distinct()) | set(
        Appointment.objects.filter(start__gte=start, start__lt=start + timedelta(days=1))
        .values_list("office_id", flat=True)
        .distinct()
    )
    count = 0
    for office in Office.objects.filter(pk__in=busy, status=OfficeStatus.ACTIVE).select_related("province"):
        office_stats_refresh(office=office)
        office_day_stats_compute(office=office, day=today)
        count += 1
    return count


@shared_task(name="tanzim.scheduling.tasks.close_queues")
def close_queues() -> int:
    """Late evening: close today's queues, fix the day's figures and refresh every office's."""
    from tanzim.offices.choices import OfficeStatus
    from tanzim.offices.models import Office
    from tanzim.scheduling.metrics import office_day_stats_compute
    from tanzim.scheduling.services import office_stats_refresh, queue_close_day

    today = tehran_date(timezone.now())
    closed = 0
    for office in Office.objects.select_related("province"):
        closed += queue_close_day(office=office, day=today)
        office_day_stats_compute(office=office, day=today)
        if office.status == OfficeStatus.ACTIVE:
            office_stats_refresh(office=office)
    return closed


@shared_task(name="tanzim.scheduling.tasks.rebalance_flexible_requests")
def rebalance_flexible_requests() -> dict:
    """Nightly: place pending flexible requests at least total cost and book them (safe to rerun:
    each booking has the request's own idempotency key, assigned requests are skipped)."""
    from tanzim.scheduling.services import flexible_requests_run

    return flexible_requests_run()
