"""Insurance: a manager enrols with dependants; each month's premium is posted through the ledger,
the member's share on the office's books and the Kanoon's share on its own."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_act_for_office, is_kanoon
from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.identifiers import clean_national_code
from tanzim.common.jalali import JalaliMonth, tehran_date
from tanzim.common.normalize import normalize_text
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import Line, ledger_post, office_accounts, system_accounts
from tanzim.membership.choices import Relation
from tanzim.membership.models import Dependant, Enrolment, InsurancePolicy, PremiumCharge
from tanzim.offices.models import Office


def premium_split(policy: InsurancePolicy, persons: int) -> tuple[int, int]:
    """(member's share, Kanoon's share) of one month for ``persons`` insured, in whole rials."""
    total = policy.monthly_premium * persons
    kanoon = total * policy.kanoon_share_pct // 100
    return total - kanoon, kanoon


@transaction.atomic
def insurance_enrol(
    *,
    actor: Any,
    office: Office,
    policy: InsurancePolicy,
    dependants: list[dict[str, str]],
    today: date | None = None,
) -> Enrolment:
    """An office's manager enrols in a policy with their dependants (name, national code, relation)."""
    if not can_act_for_office(actor, office, Role.OFFICE_MANAGER):
        raise PermissionDeniedError()
    if not policy.active:
        raise ConflictError(_("This policy is closed for enrolment."), code="policy_closed")
    if len(dependants) > policy.max_dependants:
        raise DomainError(
            fields={"dependants": [_("At most %(n)s dependants.") % {"n": policy.max_dependants}]},
            code="too_many_dependants",
        )
    rows: list[Dependant] = []
    seen: set[str] = {getattr(actor, "national_code", "") or ""}
    errors: list[str] = []
    for n, item in enumerate(dependants, start=1):
        try:
            code = clean_national_code(item.get("national_code", ""))
        except ValidationError:
            errors.append(str(_("Dependant %(n)s: the national code is not valid.") % {"n": n}))
            continue
        if code in seen:
            errors.append(str(_("Dependant %(n)s: this national code is already listed.") % {"n": n}))
            continue
        seen.add(code)
        name = normalize_text(item.get("full_name", ""))
        relation = item.get("relation", "")
        if not name or relation not in Relation.values:
            errors.append(str(_("Dependant %(n)s: give the name and the relation.") % {"n": n}))
            continue
        rows.append(Dependant(full_name=name[:200], national_code=code, relation=relation))
    if errors:
        raise DomainError(_("Please correct the errors below."), fields={"dependants": errors})
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                policy=policy, member=actor, office=office, started_on=today or tehran_date(timezone.now())
            )
    except IntegrityError as exc:
        raise ConflictError(_("You are already enrolled in this policy."), code="enrolled") from exc
    for row in rows:
        row.enrolment = enrolment
    Dependant.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="membership.insurance.enrolled",
        obj=enrolment,
        office=office,
        data={"policy": policy.code, "dependants": len(rows)},
    )
    return enrolment


@transaction.atomic
def premium_post(*, enrolment: Enrolment, month: JalaliMonth, actor: Any) -> PremiumCharge:
    """Post one month's premium (once): Dr the office's and the Kanoon's shares, Cr payable to the insurer.

    The Kanoon's share is posted to its own premium expense (``KANOON_PREMIUM_EXPENSE``), apart
    from the subsidies it pays offices for free services.
    """
    if not is_kanoon(actor):
        raise PermissionDeniedError()
    existing = PremiumCharge.objects.filter(enrolment=enrolment, month=month.key).first()
    if existing is not None:
        return existing
    persons = 1 + enrolment.dependants.count()
    member, kanoon = premium_split(enrolment.policy, persons)
    books = office_accounts(enrolment.office_id, AccountPurpose.PREMIUM_EXPENSE)
    kanoon_books = system_accounts(AccountPurpose.PREMIUMS_PAYABLE, AccountPurpose.KANOON_PREMIUM_EXPENSE)
    lines = [Line(books[AccountPurpose.PREMIUM_EXPENSE], debit=member)] if member else []
    if kanoon:
        lines.append(Line(kanoon_books[AccountPurpose.KANOON_PREMIUM_EXPENSE], debit=kanoon))
    lines.append(Line(kanoon_books[AccountPurpose.PREMIUMS_PAYABLE], credit=member + kanoon))
    txn = ledger_post(
        lines=lines,
        kind=TransactionKind.INSURANCE,
        memo=f"Insurance premium {enrolment.policy.code} {month.key}",
        reference=("membership.enrolment", str(enrolment.pk)),
        dedupe_key=f"membership.premium.{enrolment.pk}.{month.key}",
        actor=actor,
        office=enrolment.office_id,
    )
    return PremiumCharge.objects.create(
        enrolment=enrolment,
        month=month.key,
        persons=persons,
        member_share=member,
        kanoon_share=kanoon,
        transaction=txn,
    )


def insurer_rows(*, policy: InsurancePolicy) -> list[list[str]]:
    """The insurer's list: every insured person (member and dependants) of the policy."""
    rows = [["member_national_code", "insured_national_code", "name", "relation", "office", "from"]]
    for enrolment in policy.enrolments.select_related("member", "office").prefetch_related("dependants"):
        code = enrolment.member.national_code or ""
        start = enrolment.started_on.isoformat()
        rows.append([code, code, enrolment.member.get_full_name(), "self", enrolment.office.code, start])
        for dependant in enrolment.dependants.all():
            rows.append(
                [
                    code,
                    dependant.national_code,
                    dependant.full_name,
                    dependant.relation,
                    enrolment.office.code,
                    start,
                ]
            )
    return rows
