"""Demo disputes in every stage at a few offices, so the boards, dockets and figures are not empty.

Every dispute is walked up its ladder through the real services (triage, invitation, the
respondent joining with the code from the SMS, sessions, a signed settlement, arbitration and
award, referral), exactly as people would; only afterwards are its timestamps moved back over
the last months so the monthly figures have history. Idempotent: each demo dispute carries an
``Idempotency-Key`` of its own, so a second run creates nothing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.demo import _demo_national_code
from tanzim.accounts.models import RoleAssignment, User
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus, PartyRole, SessionStatus
from tanzim.disputes.models import Dispute, DisputeEvent, Session
from tanzim.notify.models import Message
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import Licence, Office
from tanzim.offices.selectors import working_calendar

DEMO_KEY = "demo-dispute"
# The ladder positions every office gets, in order; the first office gets them twice.
SCENARIOS = (
    "intake",
    "triaged",
    "invited",
    "mediation",
    "settled",
    "settled_instalments",
    "failed",
    "declined_referred",
    "not_contactable",
    "arbitration",
    "awarded",
    "withdrawn",
    "out_of_scope",
    "closed",
    "criminal",
)
CATEGORIES = ("mahriyeh", "nafaqeh", "money_claim", "cheque", "lease", "neighbours", "jahiziyeh")
FINISHED = (
    DisputeStatus.SETTLED,
    DisputeStatus.AWARDED,
    DisputeStatus.REFERRED,
    DisputeStatus.WITHDRAWN,
    DisputeStatus.CLOSED,
)
NAMES = ["بهرام بهرامی", "ناصر نادری", "سیما سلیمی", "کاوه کامرانی", "پروین پرهام", "جواد جهانی", "لادن لطفی"]


def _otp(mobile: str, pattern: str = r"\b(\d{6})\b") -> str:
    """The newest code texted to a number: what the person reads off their phone."""
    body = (
        Message.objects.filter(to=mobile)
        .order_by("-created_at", "-pk")
        .values_list("body", flat=True)
        .first()
    )
    digits = (body or "").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    found = re.findall(pattern, digits)
    return found[-1] if found else ""


def _staff(office: Office, role: str) -> User | None:
    assignment = (
        RoleAssignment.objects.filter(office=office, role=role, valid_until__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return assignment.user if assignment else None


def _citizen(n: int) -> User:
    code = _demo_national_code(500 + n)
    user = User.objects.filter(national_code=code).first()
    if user is None:
        user = User(
            username=code,
            national_code=code,
            mobile=f"+98936{n:07d}",
            first_name=random.Random(n).choice(["مریم", "زهرا", "فاطمه", "سارا", "نرگس"]),
            last_name=random.Random(n + 1).choice(["احمدی", "رضایی", "کریمی", "نوری"]),
        )
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.create(user=user, role=Role.CITIZEN, valid_from=timezone.now())
    return user


def _next_session_time(dispute: Dispute, days_ahead: int) -> datetime:
    """A free-looking slot for the demo: 08:00–11:00 (Thursday mornings too), spread by dispute."""
    day = working_calendar().add_working_days(
        tehran_date(timezone.now()), days_ahead + (dispute.pk // 4) % 20
    )
    return datetime.combine(day, time(8 + dispute.pk % 4, 0), tzinfo=TEHRAN)


def _hold(session: Session, *, mediator: User, **record) -> None:
    """Move a scheduled session into the past (the demo cannot wait for it) and record it.

    Three hours ago, but never before the dispute's mediation window opened (today, in Tehran):
    seeded just after midnight, a session "yesterday" would not count towards the window.
    """
    now = timezone.now()
    opened = session.dispute.window_started_on or tehran_date(now)
    start = max(now - timedelta(hours=3), datetime.combine(opened, time(0, 0), tzinfo=TEHRAN))
    Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))
    session.refresh_from_db()
    services.session_record(session=session, actor=mediator, **record)


def _join(dispute: Dispute) -> User:
    respondent = dispute.parties.get(role=PartyRole.RESPONDENT)
    ticket = services.join_start(
        code=_otp(respondent.mobile, r"(\d{4}-\d{4}-\d{4})"),
        national_code=respondent.national_code,
        ip="demo",
    )
    return services.join_verify(
        join_code_id=ticket.join_code_id, national_code=respondent.national_code, otp=_otp(respondent.mobile)
    ).user


def _sign(dispute: Dispute, settlement, actor: User) -> None:
    for role in (PartyRole.CLAIMANT, PartyRole.RESPONDENT):
        party = dispute.parties.get(role=role)
        services.settlement_request_code(settlement=settlement, party=party, actor=actor)
        services.settlement_sign(settlement=settlement, party=party, actor=actor, code=_otp(party.mobile))


def _walk(
    scenario: str, dispute: Dispute, *, clerk: User, mediator: User, arbitrator: User | None
) -> Dispute:
    """Take a freshly opened dispute to the scenario's stage through the services."""
    if scenario == "intake":
        return dispute
    dispute = services.dispute_triage(dispute=dispute, actor=clerk)
    if scenario in ("triaged", "out_of_scope") or dispute.status != DisputeStatus.TRIAGED:
        return dispute
    services.dispute_invite(dispute=dispute, actor=clerk)
    if scenario == "invited":
        return dispute
    if scenario == "not_contactable":
        for _n in range(3):
            Dispute.objects.filter(pk=dispute.pk).update(due_at=timezone.now() - timedelta(minutes=1))
            services.invitation_follow_up(dispute_id=dispute.pk)
        return Dispute.objects.get(pk=dispute.pk)
    respondent = _join(dispute)
    if scenario == "declined_referred":
        dispute = services.dispute_respond(
            dispute=dispute, actor=respondent, accept=False, note="ترجیح می‌دهم به دادگاه بروم"
        )
        referral = services.referral_create(dispute=dispute, actor=clerk)
        services.referral_record_tracking(
            referral=referral, actor=clerk, tracking_reference=f"140{dispute.pk:07d}"
        )
        return Dispute.objects.get(pk=dispute.pk)
    dispute = services.dispute_respond(dispute=dispute, actor=respondent, accept=True)
    mediator = dispute.mediator or mediator  # the least loaded peace-maker of the office took it
    if scenario in ("mediation", "criminal"):
        services.session_schedule(dispute=dispute, actor=mediator, starts_at=_next_session_time(dispute, 2))
        return dispute
    if scenario == "withdrawn":
        return services.dispute_withdraw(dispute=dispute, actor=clerk, note="سازش خارج از دفتر")
    first = services.session_schedule(
        dispute=dispute, actor=mediator, starts_at=_next_session_time(dispute, 1)
    )
    if scenario.startswith("settled"):
        _hold(first, mediator=mediator, status=SessionStatus.HELD, result="agreement")
        today = tehran_date(timezone.now())
        if scenario == "settled_instalments":
            obligations = [
                {
                    "obligor": "respondent",
                    "kind": "payment",
                    "description": f"قسط {n + 1}",
                    "amount": 50_000_000,
                    "due_date": today + timedelta(days=30 * (n + 1)),
                }
                for n in range(4)
            ]
        else:
            obligations = [
                {
                    "obligor": "respondent",
                    "kind": "payment",
                    "description": "پرداخت یکجا",
                    "amount": (dispute.claim_amount or 100_000_000) // 2,
                    "due_date": today + timedelta(days=20),
                }
            ]
        settlement = services.settlement_draft(
            dispute=dispute,
            actor=mediator,
            terms="طرفین با میانجیگری دفتر به شرح زیر سازش کردند.",
            obligations=obligations,
        )
        settlement = services.settlement_open(settlement=settlement, actor=mediator)
        _sign(dispute, settlement, mediator)
        return Dispute.objects.get(pk=dispute.pk)
    _hold(first, mediator=mediator, status=SessionStatus.HELD, result="no_agreement")
    second = services.session_schedule(
        dispute=dispute, actor=mediator, starts_at=_next_session_time(dispute, 2)
    )
    _hold(
        second,
        mediator=mediator,
        status=SessionStatus.NO_SHOW,
        claimant_attended=True,
        respondent_attended=False,
    )
    dispute = Dispute.objects.get(pk=dispute.pk)
    if scenario == "failed":
        return dispute
    if scenario == "closed":
        return services.dispute_close(dispute=dispute, actor=clerk, note="خواهان پیگیری نکرد")
    if (
        LicenceKind.ARBITRATION not in {lic.kind for lic in dispute.office.licences.all()}
        or arbitrator is None
    ):
        return dispute
    arbitration = services.arbitration_start(
        dispute=dispute,
        actor=clerk,
        agreement_kind="agreed_now",
        agreement_date=tehran_date(timezone.now()),
        agreement_text="طرفین توافق کردند اختلاف را به داوری یک داور مرضی‌الطرفین بسپارند.",
        panel_size=1,
    )
    seat = services.arbitrator_propose(arbitration=arbitration, actor=clerk, seat="sole", user=arbitrator)
    services.arbitrator_declare(
        arbitrator=seat,
        actor=clerk,
        grounds=[],
        birth_date=arbitrator.birth_date or datetime(1975, 5, 5).date(),
    )
    services.arbitrator_accept(arbitrator=seat, actor=clerk)
    if scenario == "awarded":
        services.award_record(
            arbitration=arbitration,
            actor=clerk,
            reasoning="با بررسی اسناد و اظهارات طرفین، ادعای خواهان ثابت است.",
            decision="خوانده به پرداخت مبلغ خواسته در حق خواهان محکوم است.",
            amount=dispute.claim_amount,
            in_favour_of="claimant",
        )
    return Dispute.objects.get(pk=dispute.pk)


def _backdate(dispute: Dispute, days: int, duration: int) -> None:
    """Move a finished demo dispute into the past: concluded ``days`` ago after ``duration`` days."""
    late, early = timedelta(days=days), timedelta(days=days + duration)
    first_event = DisputeEvent.objects.filter(dispute=dispute).order_by("created_at", "pk").first()
    Dispute.objects.filter(pk=dispute.pk).update(
        created_at=F("created_at") - early, status_changed_at=F("status_changed_at") - late
    )
    Dispute.objects.filter(pk=dispute.pk, concluded_at__isnull=False).update(
        concluded_at=F("concluded_at") - late
    )
    Dispute.objects.filter(pk=dispute.pk, responded_at__isnull=False).update(
        responded_at=F("responded_at") - early
    )
    DisputeEvent.objects.filter(dispute=dispute).update(created_at=F("created_at") - late)
    if first_event is not None:
        DisputeEvent.objects.filter(pk=first_event.pk).update(created_at=F("created_at") - (early - late))


def _offices(offices: Sequence[Office]) -> list[Office]:
    licensed = [
        o
        for o in offices
        if o.status == OfficeStatus.ACTIVE and LicenceKind.MEDIATION in {lic.kind for lic in o.licences.all()}
    ]
    tehran = sorted(
        (o for o in offices if o.province.code == "THR" and o.status == OfficeStatus.ACTIVE),
        key=lambda o: o.code,
    )
    first = [tehran[0]] if tehran else []
    for office in first:
        # The demo personas (clerk.a, mediator.a, arbitrator.a) work here: it holds both licences.
        for kind in (LicenceKind.MEDIATION, LicenceKind.ARBITRATION):
            if not office.licences.filter(kind=kind).exists():
                Licence.objects.create(
                    office=office, kind=kind, number=f"DEMO-{kind[:3].upper()}", valid_from=date(2024, 1, 1)
                )
    # Four more offices, each in another province, so the Kanoon's figures by province have rows.
    others: list[Office] = []
    provinces = {o.province_id for o in first}
    for office in sorted((o for o in licensed if o not in first), key=lambda o: o.code):
        if office.province_id not in provinces and len(others) < 4:
            others.append(office)
            provinces.add(office.province_id)
    return first + others


def _time_facts(category: str) -> dict:
    """A demo complaint of a compoundable offence and a demo cheque, both well within their limits."""
    recent = tehran_date(timezone.now()) - timedelta(days=20)
    if category == "criminal":
        return {"offence_compoundable": True, "offence_grade": 6, "knowledge_date": recent}
    if category == "cheque":
        return {"cheque_date": recent}
    return {}


def seed_disputes(*, offices: Sequence[Office], progress: Callable[[], None] | None = None) -> int:
    """Create the demo disputes (idempotent); returns how many were created."""
    rng = random.Random(1405)
    created = 0
    chosen = _offices(offices)
    for _skipped in range(max(0, len(offices) - len(chosen))):
        if progress:  # the caller's bar counts offices; only a few get demo disputes
            progress()
    for o_index, office in enumerate(chosen):
        clerk, mediator = _staff(office, Role.CLERK), _staff(office, Role.MEDIATOR)
        arbitrator = _staff(office, Role.ARBITRATOR)
        if clerk is None or mediator is None:
            continue
        if LicenceKind.MEDIATION not in {lic.kind for lic in office.licences.all()}:
            continue
        scenarios = SCENARIOS * (2 if o_index == 0 else 1)
        for n, scenario in enumerate(scenarios):
            key = f"{DEMO_KEY}-{office.code}-{n}"
            if Dispute.objects.filter(created_by=clerk, idempotency_key=key).exists():
                continue
            with transaction.atomic():
                claimant = _citizen(o_index * 100 + n)
                category = {"out_of_scope": "other", "criminal": "criminal"}.get(
                    scenario, rng.choice(CATEGORIES)
                )
                amount = (
                    None
                    if category in ("lease", "neighbours", "criminal", "other")
                    else rng.choice([80_000_000, 150_000_000, 400_000_000, 750_000_000])
                )
                dispute = services.dispute_open(
                    actor=clerk,
                    office=office,
                    category=category,
                    claim_amount=amount,
                    summary="اختلاف نمونه برای نمایش",
                    claimant=services.PartyInput(user=claimant),
                    respondent=services.PartyInput(
                        name=rng.choice(NAMES),
                        national_code=_demo_national_code(900 + o_index * 100 + n),
                        mobile=f"+98937{o_index:02d}{n:05d}",
                    ),
                    idempotency_key=key,
                    **_time_facts(category),
                )
                dispute = _walk(scenario, dispute, clerk=clerk, mediator=mediator, arbitrator=arbitrator)
                if dispute.status in FINISHED:
                    _backdate(dispute, rng.randint(3, 150), rng.randint(6, 55))
                created += 1
        if progress:
            progress()
    return created
