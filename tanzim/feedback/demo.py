"""Demo surveys and complaints, so the results pages and the ranking have something to show.

- a few thousand anonymous responses over the last six Jalali months, each office with its own
  level of quality and volume (so shrunk scores and small-sample warnings both appear), with
  the invitations they answered counted for the response rate;
- a real invitation for the demo citizen, made the system's way (a served visit), so its SMS
  with the survey link sits in their inbox;
- complaints in every state, moved through the real workflow.

Idempotent: an office that already has responses is skipped, demo complaints carry an
idempotency key, and the demo visit has a fixed reference.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.catalog.models import Service
from tanzim.common.errors import DomainError
from tanzim.common.jalali import TEHRAN, jalali_month_range
from tanzim.feedback import periods
from tanzim.feedback.choices import ComplaintAction, ComplaintCategory, InvitationSource
from tanzim.feedback.models import Complaint, Questionnaire, SurveyInvitation, SurveyResponse, SurveyTally
from tanzim.feedback.services import (
    complaint_file,
    complaint_transition,
    invitations_for_event,
    survey_results_publish,
)
from tanzim.offices.models import Office
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment, Slot

MONTHS = 6
DEMO_VISIT = "DEMOFB0001"
POSITIVE = [
    "کارمند باجه بسیار صبور بود و همه چیز را توضیح داد.",
    "سریع و بدون معطلی انجام شد.",
    "از برخورد محترمانه کارکنان ممنونم.",
    "The clerk explained every step. Thank you.",
]
NEGATIVE = [
    "بیش از یک ساعت در صف ماندم.",
    "هزینه‌ها را از قبل توضیح ندادند.",
    "سامانه قطع بود و دوباره باید مراجعه کنم.",
    "Nobody told me which documents to bring.",
]
STORIES = {
    ComplaintCategory.OVERCHARGING: "برای ثبت دادخواست بیش از تعرفه رسمی از من پول گرفتند و رسید ندادند.",
    ComplaintCategory.CONDUCT: "کارمند باجه با صدای بلند با من صحبت کرد و به سؤال‌هایم پاسخ نداد.",
    ComplaintCategory.DELAY: "دو هفته است که درخواست من در دفتر مانده و هنوز ثبت نشده است.",
    ComplaintCategory.REFUSAL: "دفتر از ثبت اظهارنامه من بدون دلیل خودداری کرد.",
    ComplaintCategory.ERROR: "نام خوانده در دادخواست من اشتباه ثبت شده است.",
    ComplaintCategory.PRIVACY: "مدارک من روی میز در دید دیگر مراجعان رها شده بود.",
}
# The path each demo complaint takes through the workflow, by how far it got.
PATHS = [
    [],
    [ComplaintAction.ACKNOWLEDGE],
    [ComplaintAction.ACKNOWLEDGE, ComplaintAction.INVESTIGATE],
    [ComplaintAction.ACKNOWLEDGE, ComplaintAction.INVESTIGATE, ComplaintAction.UPHOLD],
    [ComplaintAction.ACKNOWLEDGE, ComplaintAction.INVESTIGATE, ComplaintAction.PARTLY_UPHOLD],
    [ComplaintAction.ACKNOWLEDGE, ComplaintAction.INVESTIGATE, ComplaintAction.DISMISS],
    [ComplaintAction.WITHDRAW],
]


def _clamp(value: float) -> int:
    return max(1, min(5, round(value)))


def _answered_on(period: int, rng: random.Random, today):
    start, end = jalali_month_range(*periods.split(period))
    last = min(end - timedelta(days=1), today)
    span = max(0, (last - start).days)
    return start + timedelta(days=rng.randint(0, span))


def _office_responses(
    office: Office, questionnaire: Questionnaire, rng: random.Random, months: list[int], today, *, busy=False
) -> int:
    quality = rng.gauss(0, 0.6)
    # Responses per month: a median of about 3; the demo managers' office is a busy one, so its
    # results and its ranking rest on a real sample.
    volume = 45.0 if busy else rng.lognormvariate(1.0, 0.8)
    rate = rng.uniform(0.25, 0.7)
    rows, tallies = [], []
    for period in months:
        n = max(0, int(rng.gauss(volume, volume / 2)))
        if n:
            tallies.append(SurveyTally(office=office, period=period, sent=math.ceil(n / rate), answered=n))
        for _ in range(n):
            base = 3.9 + quality + rng.gauss(0, 0.7)
            overall = _clamp(base + rng.gauss(0, 0.5))
            comment = ""
            if rng.random() < 0.2:
                comment = rng.choice(POSITIVE if overall >= 4 else NEGATIVE)
            rows.append(
                SurveyResponse(
                    office=office,
                    period=period,
                    questionnaire=questionnaire,
                    source=rng.choice(["visit", "visit", "case_filed", "case_closed"]),
                    language="fa" if rng.random() < 0.95 else "en",
                    answered_on=_answered_on(period, rng, today),
                    access=None if rng.random() < 0.15 else _clamp(base + 0.2 + rng.gauss(0, 0.6)),
                    courtesy=_clamp(base + 0.3 + rng.gauss(0, 0.6)),
                    clarity=_clamp(base + rng.gauss(0, 0.6)),
                    timeliness=None if rng.random() < 0.05 else _clamp(base - 0.4 + rng.gauss(0, 0.7)),
                    fairness=_clamp(base + 0.1 + rng.gauss(0, 0.5)),
                    overall=overall,
                    comment=comment,
                )
            )
    SurveyResponse.objects.bulk_create(rows, batch_size=1000)
    for tally in tallies:
        total = sum(r.overall for r in rows if r.period == tally.period)
        SurveyTally.objects.update_or_create(
            office=tally.office,
            period=tally.period,
            defaults={"sent": tally.sent, "answered": tally.answered, "overall_sum": total},
        )
    return len(rows)


def _office_of(username: str, offices: Sequence[Office]) -> Office | None:
    assignment = RoleAssignment.objects.filter(user__username=username, office__isnull=False).first()
    return assignment.office if assignment else (offices[0] if offices else None)


def _demo_invitation(office: Office) -> int:
    """A visit to office A was just served for the demo citizen: the system sends the survey link."""
    citizen = (
        User.objects.filter(roles__role=Role.CITIZEN, mobile="+989120000001").first()
        or User.objects.filter(roles__role=Role.CITIZEN).exclude(mobile="").order_by("pk").first()
    )
    service = Service.objects.filter(code="case_followup").first() or Service.objects.first()
    if citizen is None or service is None or Appointment.objects.filter(reference=DEMO_VISIT).exists():
        return 0
    now = timezone.now()
    start = (now - timedelta(hours=2)).replace(second=7, microsecond=0)
    slot = Slot.objects.create(
        office=office, start=start, end=start + timedelta(minutes=15), capacity=1, bookable=1, booked=1
    )
    visit = Appointment.objects.create(
        reference=DEMO_VISIT,
        office=office,
        slot=slot,
        start=slot.start,
        end=slot.end,
        service=service,
        citizen=citizen,
        booked_by=citizen,
        status=AppointmentStatus.SERVED,
        checked_in_at=start,
        finished_at=now - timedelta(hours=1),
    )
    return len(invitations_for_event(source=InvitationSource.VISIT, source_id=visit.pk))


def _demo_complaints(offices: Sequence[Office], rng: random.Random) -> int:
    if Complaint.objects.filter(idempotency_key__startswith="demo-").exists():
        return 0
    handler = User.objects.filter(username="kanoon").first() or User.objects.filter(is_superuser=True).first()
    citizens = list(User.objects.filter(roles__role=Role.CITIZEN).exclude(mobile="").order_by("pk")[:60])
    if not citizens or not offices:
        return 0
    count = min(len(PATHS) * 4, max(len(PATHS), len(offices) // 4))
    made = 0
    for k in range(count):
        office = offices[(k * 7) % len(offices)]
        category = list(STORIES)[k % len(STORIES)]
        complainant = citizens[k % len(citizens)]
        try:
            with transaction.atomic():
                complaint = complaint_file(
                    complainant=complainant,
                    office=office,
                    category=category,
                    description=STORIES[category],
                    about_staff=category == ComplaintCategory.CONDUCT,
                    staff_description="کارمند باجه ۲" if category == ComplaintCategory.CONDUCT else "",
                    idempotency_key=f"demo-{k}",
                )
                for action in PATHS[k % len(PATHS)]:
                    actor = complainant if action == ComplaintAction.WITHDRAW else handler
                    if actor is None:
                        break
                    note = (
                        "بررسی شد؛ مدارک و اظهارات طرفین ملاحظه شد."
                        if action
                        in (
                            ComplaintAction.UPHOLD,
                            ComplaintAction.PARTLY_UPHOLD,
                            ComplaintAction.DISMISS,
                        )
                        else ""
                    )
                    complaint_transition(complaint=complaint, actor=actor, action=action, note=note)
        except DomainError:
            continue  # a rate limit or a staff member as complainant: leave this one out
        made += 1
    return made


def seed_feedback(*, offices: Sequence[Office], progress: Callable[[], None] | None = None) -> dict[str, int]:
    """Responses, one live survey link for the demo citizen, and complaints in every state."""
    rng = random.Random(1405)
    questionnaire = Questionnaire.objects.filter(active=True).first()
    today = timezone.localdate()
    last = periods.period_of(datetime.combine(today, time(12), tzinfo=TEHRAN))
    months = periods.months_between(periods.shift(last, -(MONTHS - 1)), last)
    answered = set(
        SurveyResponse.objects.filter(office__in=offices).values_list("office_id", flat=True).distinct()
    )
    responses = 0
    home = _office_of("manager.a", offices)
    for office in offices:
        if questionnaire is not None and office.pk not in answered:
            with transaction.atomic():
                # Each office's own seed: a second run draws the same (possibly empty) sample.
                office_rng = random.Random(f"feedback-demo:{office.code}")
                responses += _office_responses(
                    office, questionnaire, office_rng, months, today, busy=office == home
                )
        if progress:
            progress()
    invitations = 0
    if home is not None:
        with transaction.atomic():
            invitations = _demo_invitation(home)
    complaints = _demo_complaints(list(offices), rng)
    # Offices read published batches only (docs/privacy.md); the nightly task does this in production.
    survey_results_publish()
    return {
        "responses": responses,
        "invitations": invitations or SurveyInvitation.objects.count(),
        "complaints": complaints,
    }
