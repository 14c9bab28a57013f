"""Factories and helpers the enforcement tests share."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from tanzim.accounts.models import User
from tanzim.common.jalali import tehran_date
from tanzim.enforcement import services
from tanzim.enforcement.choices import JudgmentState, Step
from tanzim.enforcement.models import CourtOfficer, EnforcementFile, PilotSetting
from tanzim.testing.factories import UserFactory


def court_officer(province: Any, username: str = "court.officer") -> User:
    user = UserFactory.create(username=username)
    CourtOfficer.objects.create(user=user, province=province)
    return user


def pilot(province: Any, *steps: str, approval: bool = False) -> None:
    """Hand ``steps`` (all if none) to the province's pilot offices."""
    for step in steps or Step.values:
        PilotSetting.objects.update_or_create(
            province=province, step=step, defaults={"office_may": True, "court_approval": approval}
        )


def request_file(
    *,
    actor: Any,
    office: Any,
    creditors: list[dict[str, Any]],
    debtor: dict[str, Any],
    state: str = JudgmentState.FINAL,
    served: date | None = None,
    **extra: Any,
) -> EnforcementFile:
    today = tehran_date(timezone.now())
    return services.file_request(
        actor=actor,
        office=office,
        court="دادگاه عمومی حقوقی تهران",
        branch="12",
        judgment_number="140312345",
        judgment_date=today - timedelta(days=60),
        judgment_state=state,
        judgment_served_on=served if served is not None else today - timedelta(days=30),
        creditors=creditors,
        debtors=[debtor],
        **extra,
    )


def served_file(personas: Any, officer: User, *, amount: int = 100_000_000, **extra: Any) -> EnforcementFile:
    """A file of office A whose writ was served today: alice is the creditor, bob the debtor."""
    file = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=[
            {"name": "آلیس احمدی", "user": personas.citizen, "claim": amount, "mobile": "09120000001"}
        ],
        debtor={
            "name": "باب بهرامی",
            "user": personas.other_citizen,
            "national_code": "0012345679",
            "mobile": "09120000002",
        },
        **extra,
    )
    file = services.writ_issue(file=file, actor=officer, writ_number="W-1")
    services.service_record(file=file, actor=officer, served_on=tehran_date(timezone.now()))
    file.refresh_from_db()
    return file
