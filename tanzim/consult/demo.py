"""Demo data for consult (idempotent): called by ``seed_demo`` after the apps it builds on.

The trees and interviews come with the migrations; this adds the consultant persona's record
and availability, consultations in every state (times relative to now, so the demo works at any
hour), drafts in progress, and step counters so the content report has something to show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment
from tanzim.audit.workflow import transition
from tanzim.consult.choices import ConsultantBasis, ConsultationMode, ConsultationStatus, Outcome
from tanzim.consult.models import Availability, Consultant, Consultation, DraftRun, StepStat, Tree
from tanzim.consult.selectors import interview_version_for_run
from tanzim.consult.services import consultations as services
from tanzim.consult.services.drafting import draft_start
from tanzim.consult.workflows import CONSULTATION
from tanzim.offices.models import Licence
from tanzim.scheduling.choices import HOLDING
from tanzim.scheduling.models import Appointment
from tanzim.scheduling.services import appointment_cancel

WINDOWS = [(day, time(9), time(13)) for day in (5, 6, 0, 1, 2)] + [
    (day, time(16), time(19)) for day in (5, 6, 0, 1, 2)
]
COUNTS = {
    "cheque_or_debt": (120, 108, 5),
    "cheque_date": (96, 80, 9),
    "presented": (80, 74, 2),
    "goal": (60, 52, 3),
}


def _consultant() -> Consultant | None:
    role = (
        RoleAssignment.objects.select_related("user", "office")
        .filter(role=Role.CONSULTANT, office__isnull=False, user__username="consultant.a")
        .first()
        or RoleAssignment.objects.select_related("user", "office")
        .filter(role=Role.CONSULTANT, office__isnull=False)
        .first()
    )
    if role is None:
        return None
    office = role.office
    assert office is not None  # an office role: filtered above
    if not Licence.objects.filter(office=office, kind="consultation").exists():
        Licence.objects.create(office=office, kind="consultation", valid_from=date(2024, 3, 20))
    consultant, created = Consultant.objects.get_or_create(
        user=role.user, defaults={"office": office, "basis": ConsultantBasis.OFFICE_LICENCE}
    )
    if created or not consultant.availability.exists():
        for weekday, start, end in WINDOWS:
            Availability.objects.create(
                consultant=consultant, weekday=weekday, start_time=start, end_time=end
            )
    return consultant


def _citizens(n: int, *, with_room: bool = False) -> list[Any]:
    """The first ``n`` citizens; ``with_room``: only those with room for two more appointments (the
    demo's calls are appointments, and the scheduling stage may have given someone the most allowed)."""
    roles = RoleAssignment.objects.filter(role=Role.CITIZEN)
    if with_room:
        roles = roles.exclude(user__in=_busy(settings.SCHEDULING_MAX_ACTIVE_BOOKINGS - 2))
    return [r.user for r in roles.select_related("user").order_by("pk")[:n]]


def _busy(room: int) -> Any:
    """Citizens holding more than ``room`` upcoming appointments."""
    return (
        Appointment.objects.filter(status__in=HOLDING, end__gt=timezone.now())
        .values("citizen")
        .annotate(n=Count("pk"))
        .filter(n__gt=room)
        .values("citizen")
    )


def _book(
    citizen: Any, consultant: Consultant, mode: str, question: str, starts_at: Any = None
) -> Consultation:
    return services.consultation_book(
        citizen=citizen, consultant=consultant, mode=mode, question=question, starts_at=starts_at
    )


def seed_consult(*, offices: list[Any], progress: Callable[..., Any] | None = None) -> None:
    """Seed this app's demo data for ``offices``."""
    consultant = _consultant()
    citizens = _citizens(3)
    callers = _citizens(3, with_room=True)
    if consultant is not None and callers and not Consultation.objects.filter(consultant=consultant).exists():
        times = services.open_times(consultant=consultant, days=7)
        a, b, c = (callers * 3)[:3]
        # awaiting payment (a video call), booked (a phone call and a written question)
        _book(
            a,
            consultant,
            ConsultationMode.VIDEO,
            "چک ۲۰۰ میلیون ریالی برگشت خورده؛ شکایت کیفری کنم یا حقوقی؟",
            times[0],
        )
        phone = _book(b, consultant, ConsultationMode.PHONE, "مستأجر ودیعه را پس نمی‌دهد.", times[1])
        transition(CONSULTATION, phone, ConsultationStatus.BOOKED)
        written = _book(c, consultant, ConsultationMode.WRITTEN, "مهریه عندالمطالبه را از کجا شروع کنم؟")
        transition(CONSULTATION, written, ConsultationStatus.BOOKED)
        # answered, then closed with an outcome
        answered = _book(a, consultant, ConsultationMode.WRITTEN, "اظهارنامه را چه زمانی بفرستم؟")
        transition(CONSULTATION, answered, ConsultationStatus.BOOKED)
        services.consultation_answer(
            consultation=answered,
            actor=consultant.user,
            advice="پیش از دادخواست اظهارنامه بفرستید و ده روز مهلت دهید.",
        )
        closed = _book(b, consultant, ConsultationMode.WRITTEN, "همسایه آب‌گرفتگی ایجاد کرده است.")
        transition(CONSULTATION, closed, ConsultationStatus.BOOKED)
        closed = services.consultation_answer(
            consultation=closed,
            actor=consultant.user,
            advice="صلح‌یاری در دفتر را آغاز کنید؛ کارشناس خسارت را برآورد می‌کند.",
        )
        services.consultation_close(
            consultation=closed, actor=consultant.user, outcome=Outcome.STARTED_DISPUTE
        )
        # refunded (a written question left past its deadline) and cancelled (never paid)
        late = _book(c, consultant, ConsultationMode.WRITTEN, "ارث پدری بین وراث چگونه تقسیم می‌شود؟")
        transition(CONSULTATION, late, ConsultationStatus.BOOKED)
        transition(
            CONSULTATION,
            late,
            ConsultationStatus.REFUNDED,
            changes={"answer_due_at": timezone.now() - timedelta(hours=2)},
        )
        # The citizen cancels it herself, which she may do only until the cut-off before its start:
        # a time past the cut-off (seeded in the morning, the first free times are within it).
        cancel_by = timezone.now() + timedelta(minutes=settings.SCHEDULING_CANCEL_CUTOFF_MINUTES + 30)
        later = [start for start in times[2:] if start > cancel_by]
        dropped = _book(a, consultant, ConsultationMode.PHONE, "پرسش درباره نفقه", (later or times[2:])[0])
        # Cancelled by the citizen from their appointments: the call's appointment and then,
        # through scheduling's signal, the consultation.
        if dropped.appointment is not None:
            appointment_cancel(appointment=dropped.appointment, actor=a, reason="منصرف شدم")
            services.consultation_cancel_for_appointment(appointment_id=dropped.appointment.pk)
    if citizens and not DraftRun.objects.filter(user=citizens[0]).exists():
        run = draft_start(version=interview_version_for_run(slug="cheque-complaint"), user=citizens[0])
        DraftRun.objects.filter(pk=run.pk).update(
            answers={**run.answers, "cheque_amount": "200000000", "cheque_number": "۷۸۹۰۱۲"}, page=2
        )
        draft_start(version=interview_version_for_run(slug="formal-notice"), user=citizens[0])
    tree = Tree.objects.filter(slug="bounced-cheque").select_related("published").first()
    if (
        tree is not None
        and tree.published is not None
        and not StepStat.objects.filter(version=tree.published).exists()
    ):
        StepStat.objects.bulk_create(
            StepStat(version=tree.published, node=node, reached=r, answered=a, none_of_these=n)
            for node, (r, a, n) in COUNTS.items()
        )
    if progress:
        for _office in offices:
            progress()
