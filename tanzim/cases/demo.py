"""Demo requests: the demo citizen's requests at clerk.a's office, one or two in each stage.

Everything goes through the services (the transition table, fees frozen at submission, the
payment taken at the counter), so the worklist, the citizen's list and the receipts are real.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from django.db import transaction

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.cases import services
from tanzim.cases.choices import PartyRole
from tanzim.cases.models import Case
from tanzim.catalog.choices import ChannelKind
from tanzim.catalog.models import Service
from tanzim.common.identifiers import make_national_code
from tanzim.finance.services import payment_record_at_counter
from tanzim.offices.models import Office

DEMO_CITIZEN = "0012345679"
# (service, channel, title, the stage it is left in)
REQUESTS = [
    ("civil_petition", ChannelKind.SEMI_IN_PERSON, "مطالبه وجه چک", "draft"),
    ("civil_petition", ChannelKind.SEMI_IN_PERSON, "مطالبه اجاره‌بها", "submitted"),
    ("formal_notice", ChannelKind.REMOTE, "اظهارنامه تخلیه", "submitted"),
    ("civil_petition", ChannelKind.SEMI_IN_PERSON, "الزام به تنظیم سند", "in_review"),
    ("civil_petition", ChannelKind.SEMI_IN_PERSON, "مطالبه خسارت", "needs_correction"),
    ("formal_notice", ChannelKind.REMOTE, "اظهارنامه مطالبه وجه", "awaiting_payment"),
    ("civil_petition", ChannelKind.IN_PERSON, "مطالبه مهریه", "filed"),
    ("formal_notice", ChannelKind.REMOTE, "اظهارنامه فسخ قرارداد", "filed"),
]
RESPONDENTS = ["بهرام بهرامی", "سیما رضایی", "کامران نوری", "مینا احمدی"]
# How many times the demo sends a refused filing again before leaving it to the sweep.
FILING_ATTEMPTS = 20


def _clerk_and_office() -> tuple[User, Office] | None:
    assignment = (
        RoleAssignment.objects.filter(user__username="clerk.a", role=Role.CLERK, office__isnull=False)
        .select_related("user", "office")
        .first()
    )
    return (assignment.user, assignment.office) if assignment and assignment.office else None


def _walk(case: Case, stage: str, *, citizen: User, clerk: User) -> None:
    if stage == "draft":
        return
    case = services.case_submit(case=case, actor=citizen)
    if stage == "submitted":
        return
    case = services.case_start_review(case=case, actor=clerk)
    if stage == "in_review":
        return
    if stage == "needs_correction":
        services.case_request_correction(case=case, actor=clerk, note="تصویر سند مالکیت را پیوست کنید.")
        return
    case = services.case_verify(
        case=case, actor=clerk, identity_checked_in_person=case.channel != ChannelKind.REMOTE
    )
    if stage == "awaiting_payment":
        return
    # Paid at the counter; after commit the case moves to "paid" and is filed with the judiciary.
    payment_record_at_counter(payment=services.case_payment_open(case=case, actor=clerk), actor=clerk)
    # The simulated judiciary refuses a share of filings (an outage, CASES_FILING_FAILURE_PERCENT),
    # which a site's minute sweep sends again. The demo sends them again as the sweep would, so that
    # the stage it names is there (two "filed" requests both refused: one seeding in 44). After
    # commit, behind the payment's own callbacks: seed_demo seeds each stage in one transaction, in
    # which the case is not paid yet and filing it would only be skipped.
    transaction.on_commit(functools.partial(_file_again, case.pk))


def _file_again(case_id: int) -> None:
    for _attempt in range(FILING_ATTEMPTS):
        if services.case_file(case_id=case_id) != "retry":
            break


def seed_cases(*, offices: Sequence[Office], progress: Callable[[], None] | None = None) -> int:
    """Create the demo requests once (idempotent); returns how many were created."""
    for _office in offices:
        if progress:  # the caller's bar counts offices; one office gets the demo requests
            progress()
    found = _clerk_and_office()
    citizen = User.objects.filter(national_code=DEMO_CITIZEN).first()
    if found is None or citizen is None:
        return 0
    clerk, office = found
    if Case.objects.filter(office=office, applicant=citizen).exists():
        return 0
    catalogue = {s.code: s for s in Service.objects.filter(code__in={r[0] for r in REQUESTS})}
    for n, (code, channel, title, stage) in enumerate(REQUESTS):
        actor = clerk if channel == ChannelKind.IN_PERSON else citizen
        case = services.case_create(
            actor=actor,
            applicant=citizen if actor is clerk else None,
            service=catalogue[code],
            channel=channel,
            office=office,
            title=title,
        )
        services.party_add(
            case=case,
            actor=actor,
            role=PartyRole.RESPONDENT,
            kind="natural",
            name=RESPONDENTS[n % len(RESPONDENTS)],
            national_code=make_national_code(f"{498700000 + n:09d}"),
        )
        _walk(case, stage, citizen=citizen, clerk=clerk)
    return len(REQUESTS)
