"""The file: request, writ, service, the debtor's windows, stays, instalments, closure; and the
pilot's steps, done by an office or the court, approved by the court officer where asked."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.jalali import tehran_date
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.enforcement import access
from tanzim.enforcement.access import COURT, CREDITOR, DEBTOR, OFFICE
from tanzim.enforcement.choices import (
    FileStatus,
    JudgmentState,
    Outcome,
    PartyRole,
    Performer,
    PlanStatus,
    StayReason,
    StayStatus,
    Step,
    TaskStatus,
)
from tanzim.enforcement.models import EnforcementFile, FileParty, InstalmentPlan, Stay, Task
from tanzim.enforcement.rules import rules
from tanzim.enforcement.services._common import (
    due,
    lock_file,
    move_file,
    require_not_stayed,
    require_open,
    tell_parties,
)
from tanzim.enforcement.workflows import PLAN, STAY, TASK

# --- request and writ ---------------------------------------------------------------------------


def _party_rows(rows: Sequence[Mapping[str, Any]], role: str) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        name = normalize_free_text(str(row.get("name") or "")).strip()
        if not name:
            raise DomainError(fields={f"{role}s": [_("Every party needs a name.")]}, code="party_name")
        claim = int(row.get("claim") or 0) if role == PartyRole.CREDITOR else 0
        if role == PartyRole.CREDITOR and claim <= 0:
            raise DomainError(
                fields={"creditors": [_("Each creditor's claim must be more than zero.")]}, code="claim"
            )
        priority = int(row.get("priority_class") or 5)
        if not 1 <= priority <= 5:
            raise DomainError(fields={"creditors": [_("Priority classes run from 1 to 5.")]}, code="priority")
        out.append(
            {
                "role": role,
                "user": row.get("user"),
                "name": name[:200],
                "national_code": normalize_text(str(row.get("national_code") or ""))[:10],
                "mobile": normalize_text(str(row.get("mobile") or ""))[:13],
                "claim": claim,
                "priority_class": priority,
                "has_dependants": bool(row.get("has_dependants")),
            }
        )
    return out


@transaction.atomic
def file_request(
    *,
    actor: Any,
    office: Any,
    court: str,
    branch: str,
    judgment_number: str,
    judgment_date: date,
    judgment_state: str,
    judgment_served_on: date | None,
    creditors: Sequence[Mapping[str, Any]],
    debtors: Sequence[Mapping[str, Any]],
    costs: int = 0,
    idempotency_key: str | None = None,
) -> EnforcementFile:
    """The creditor's written request (CJEA 1-2): refused unless the judgment is final or
    provisionally enforceable and was served. The office files it for the creditor, or the
    creditor files it online."""
    creditor_rows = _party_rows(creditors, PartyRole.CREDITOR)
    debtor_rows = _party_rows(debtors, PartyRole.DEBTOR)
    payload = {
        "office": office.pk,
        "court": court,
        "branch": branch,
        "judgment_number": judgment_number,
        "judgment_date": judgment_date,
        "judgment_state": judgment_state,
        "judgment_served_on": judgment_served_on,
        "creditors": [{**r, "user": getattr(r["user"], "pk", r["user"])} for r in creditor_rows],
        "debtors": [{**r, "user": getattr(r["user"], "pk", r["user"])} for r in debtor_rows],
        "costs": costs,
    }
    if idempotency_key:
        existing = EnforcementFile.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            check_replay(stored_fingerprint=existing.idempotency_fingerprint, payload=payload)
            return existing
    own_claim = any(getattr(r["user"], "pk", r["user"]) == getattr(actor, "pk", None) for r in creditor_rows)
    if not (
        access.is_office_staff_of(actor, office)
        or own_claim
        or office.province_id in access.officer_province_ids(actor)
    ):
        raise PermissionDeniedError()
    errors: dict[str, list[Any]] = {}
    if judgment_state not in (JudgmentState.FINAL, JudgmentState.PROVISIONAL):
        errors["judgment_state"] = [
            _("Only a final or provisionally enforceable judgment can be enforced (CJEA 1).")
        ]
    today = tehran_date(timezone.now())
    if judgment_served_on is None:
        errors["judgment_served_on"] = [
            _("The judgment must have been served before it is enforced (CJEA 2).")
        ]
    elif judgment_served_on > today or judgment_served_on < judgment_date:
        errors["judgment_served_on"] = [
            _("The service date must be after the judgment and not in the future.")
        ]
    if judgment_date > today:
        errors["judgment_date"] = [_("The judgment date cannot be in the future.")]
    if not creditor_rows:
        errors["creditors"] = [_("Name at least one creditor.")]
    if not debtor_rows:
        errors["debtors"] = [_("Name at least one debtor.")]
    if costs < 0:
        errors["costs"] = [_("Costs cannot be negative.")]
    if not normalize_free_text(court).strip() or not normalize_text(judgment_number):
        errors["court"] = [_("Give the court and the judgment's number.")]
    if errors:
        raise DomainError(_("The request cannot be accepted."), fields=errors, code="request_refused")
    assert judgment_served_on is not None
    file = EnforcementFile.objects.create(
        number=f"EJ-{secrets.token_hex(5).upper()}",
        office=office,
        province_id=office.province_id,
        court=normalize_free_text(court)[:120],
        branch=normalize_text(branch)[:20],
        judgment_number=normalize_text(judgment_number)[:40],
        judgment_date=judgment_date,
        judgment_state=judgment_state,
        judgment_served_on=judgment_served_on,
        amount=sum(r["claim"] for r in creditor_rows),
        costs=costs,
        created_by=actor,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=fingerprint(payload) if idempotency_key else "",
    )
    FileParty.objects.bulk_create(FileParty(file=file, **row) for row in creditor_rows + debtor_rows)
    from tanzim.audit import services as audit

    audit.record(
        action="enforcement.file.requested",
        actor=actor,
        obj=file,
        office=office.pk,
        data={"amount": file.amount, "parties": len(creditor_rows) + len(debtor_rows)},
    )
    tell_parties(file, _("the request was registered."), key="requested", roles=(PartyRole.CREDITOR,))
    return file


def writ_issue(
    *, file: EnforcementFile, actor: Any, writ_number: str, expected_status: str | None = None
) -> EnforcementFile:
    """The first-instance court issues the writ (CJEA 4-6); the court officer records it."""
    writ_number = normalize_text(writ_number)
    if not writ_number:
        raise DomainError(fields={"writ_number": [_("Give the writ's number.")]}, code="writ_number")
    with transaction.atomic():
        file = move_file(
            file, FileStatus.WRIT_ISSUED, actor, expected_status, changes={"writ_number": writ_number[:40]}
        )
        tell_parties(file, _("the writ was issued; it will be served on the debtor."), key="writ")
    return file


# --- steps an office may do (per province and step), with the court officer's approval -----------

Handler = Callable[[EnforcementFile, dict[str, Any], Any], Any]
HANDLERS: dict[str, Handler] = {}


def handles(step: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[step] = fn
        return fn

    return register


def step_perform(
    *,
    file: EnforcementFile,
    step: str,
    actor: Any,
    payload: dict[str, Any],
    check: Callable[[EnforcementFile], None] | None = None,
) -> Task:
    """Do ``step`` for the file: at once if the court does it or its setting needs no approval,
    otherwise as a task awaiting the court officer (the law keeps the decision with the court)."""
    performer, approval = access.performer_for(actor, file, step)
    with transaction.atomic():
        locked = lock_file(file)
        require_not_stayed(locked)
        if check is not None:
            check(locked)
        if approval:
            if Task.objects.filter(
                file=locked, step=step, status=TaskStatus.AWAITING_APPROVAL, payload=payload
            ).exists():
                raise ConflictError(_("This is already waiting for the court officer."), code="task_pending")
            return Task.objects.create(
                file=locked,
                step=step,
                performer=performer,
                payload=payload,
                status=TaskStatus.AWAITING_APPROVAL,
                performed_by=actor,
            )
        HANDLERS[step](locked, payload, actor)
        return Task.objects.create(
            file=locked,
            step=step,
            performer=performer,
            payload=payload,
            status=TaskStatus.DONE,
            performed_by=actor,
        )


def task_decide(*, task: Task, actor: Any, approve: bool, note: str = "") -> Task:
    """The court officer approves an office's step (which then takes effect) or rejects it."""
    from tanzim.audit.workflow import transition

    with transaction.atomic():
        locked = lock_file(task.file_id)
        if approve:
            require_not_stayed(locked)
        task = transition(
            TASK,
            task,
            TaskStatus.DONE if approve else TaskStatus.REJECTED,
            actor=actor,
            expected_status=TaskStatus.AWAITING_APPROVAL,
            reason=note,
            changes={"decided_by": actor, "note": normalize_free_text(note)[:300]},
        )
        if approve:
            HANDLERS[task.step](locked, dict(task.payload), actor)
    return task


# --- service and the debtor's windows ----------------------------------------------------------


def service_record(
    *, file: EnforcementFile, actor: Any, served_on: date, by_publication: bool = False
) -> Task:
    """Record the writ's service. By publication, service takes effect 10 days after the
    publication (CJEA 9): ``served_on`` is then the publication's date."""
    today = tehran_date(timezone.now())
    if served_on > today:
        raise DomainError(
            fields={"served_on": [_("The service date cannot be in the future.")]}, code="served_future"
        )

    def check(locked: EnforcementFile) -> None:
        if locked.status != FileStatus.WRIT_ISSUED:
            raise ConflictError(_("The writ is not waiting to be served."), code="not_writ_issued")

    return step_perform(
        file=file,
        step=Step.SERVICE,
        actor=actor,
        payload={"served_on": served_on.isoformat(), "by_publication": bool(by_publication)},
        check=check,
    )


@handles(Step.SERVICE)
def _apply_service(file: EnforcementFile, payload: dict[str, Any], actor: Any) -> None:
    values = rules()
    served_on = date.fromisoformat(payload["served_on"])
    if payload.get("by_publication"):
        served_on += timedelta(days=values["publication_days"])
    file = move_file(
        file,
        FileStatus.SERVED,
        actor,
        FileStatus.WRIT_ISSUED,
        changes={
            "served_on": served_on,
            "served_by_publication": bool(payload.get("by_publication")),
            "debtor_window_due": due(served_on, days=values["debtor_window_days"]),
            "insolvency_due": due(served_on, days=values["insolvency_window_days"]),
        },
    )
    tell_parties(
        file, _("the writ was served; the debtor has 10 days to pay or name property."), key="served"
    )


@transaction.atomic
def asset_list_file(
    *, file: EnforcementFile, actor: Any, assets: Sequence[Mapping[str, Any]], insolvency: bool = False
) -> EnforcementFile:
    """The debtor's full asset list (CJEA 34), with an insolvency claim within 30 days of service
    (1394 Law 3)."""
    from tanzim.enforcement.services.assets import asset_create

    access.require(actor, file, DEBTOR)
    file = lock_file(file)
    require_not_stayed(file)
    if file.status not in (FileStatus.SERVED, FileStatus.ENFORCING):
        raise ConflictError(_("The asset list is filed after the writ is served."), code="not_served")
    today = tehran_date(timezone.now())
    if insolvency and file.insolvency_due and today > file.insolvency_due:
        raise DomainError(
            fields={
                "insolvency": [_("The 30 days for an insolvency claim with the asset list have passed.")]
            },
            code="insolvency_late",
        )
    for row in assets:
        asset_create(file=file, actor=actor, found_by="debtor", data=row, locked=True)
    now = timezone.now()
    changes: dict[str, Any] = {"asset_list_filed_at": now}
    if insolvency:
        changes["insolvency_claimed_at"] = now
    EnforcementFile.objects.filter(pk=file.pk).update(**changes)
    from tanzim.audit import services as audit

    audit.record(
        action="enforcement.file.asset_list_filed",
        actor=actor,
        obj=file,
        office=file.office_id,
        data={"assets": len(assets), "insolvency": insolvency},
    )
    tell_parties(
        file,
        _("the debtor filed an asset list."),
        key=f"asset_list:{now.timestamp()}",
        roles=(PartyRole.CREDITOR,),
    )
    file.refresh_from_db()
    return file


def asset_list_check(*, file: EnforcementFile, actor: Any) -> Task:
    """The office (or the court) checks the debtor's list; enforcement on the assets starts."""

    def check(locked: EnforcementFile) -> None:
        if not locked.asset_list_filed_at:
            raise ConflictError(_("The debtor has not filed an asset list."), code="no_asset_list")

    return step_perform(file=file, step=Step.ASSET_LIST, actor=actor, payload={}, check=check)


@handles(Step.ASSET_LIST)
def _apply_asset_list(file: EnforcementFile, payload: dict[str, Any], actor: Any) -> None:
    EnforcementFile.objects.filter(pk=file.pk).update(asset_list_accepted_at=timezone.now())
    if file.status == FileStatus.SERVED:
        move_file(file, FileStatus.ENFORCING, actor, FileStatus.SERVED)


def enforcement_start(
    *, file: EnforcementFile, actor: Any, expected_status: str | None = None
) -> EnforcementFile:
    """After the debtor's 10 days (or earlier, on property the creditor names: CJEA 35 n.1)."""
    access.require(actor, file, COURT, OFFICE)
    with transaction.atomic():
        locked = lock_file(file)
        require_not_stayed(locked)
        return move_file(locked, FileStatus.ENFORCING, actor, expected_status)


# --- stays --------------------------------------------------------------------------------------


@transaction.atomic
def stay_add(*, file: EnforcementFile, actor: Any, reason: str, note: str = "") -> Stay:
    """Once started, enforcement stops only by court order or the creditor's written consent (CJEA 24)."""
    if reason not in StayReason.values:
        raise DomainError(fields={"reason": [_("Choose a reason.")]}, code="stay_reason")
    kinds = access.require(actor, file, COURT, CREDITOR)
    if COURT not in kinds and reason != StayReason.CREDITOR_CONSENT:
        raise PermissionDeniedError(_("Only the court orders a stay for this reason."))
    file = lock_file(file)
    require_open(file)
    stay = Stay.objects.create(
        file=file, reason=reason, note=normalize_free_text(note)[:300], ordered_by=actor
    )
    from tanzim.audit import services as audit

    audit.record(
        action="enforcement.stay.active",
        actor=actor,
        obj=stay,
        office=file.office_id,
        data={"reason": reason},
    )
    tell_parties(file, _("enforcement was stayed."), key=f"stay:{stay.pk}")
    return stay


def stay_lift(*, stay: Stay, actor: Any, note: str = "") -> Stay:
    from tanzim.audit.workflow import transition

    with transaction.atomic():
        stay = transition(
            STAY, stay, StayStatus.LIFTED, actor=actor, expected_status=StayStatus.ACTIVE, reason=note
        )
        tell_parties(
            stay.file, _("the stay was lifted; enforcement continues."), key=f"stay_lifted:{stay.pk}"
        )
    return stay


# --- instalments (1394 Law 11) --------------------------------------------------------------------


@transaction.atomic
def plan_propose(
    *, file: EnforcementFile, actor: Any, count: int, amount_each: int, first_due: date
) -> InstalmentPlan:
    access.require(actor, file, DEBTOR, OFFICE, COURT)
    file = lock_file(file)
    require_not_stayed(file)
    if file.status not in (FileStatus.SERVED, FileStatus.ENFORCING):
        raise ConflictError(_("Instalments are proposed once the writ is served."), code="plan_state")
    errors: dict[str, list[Any]] = {}
    if not 1 <= int(count) <= 120:
        errors["count"] = [_("Between 1 and 120 instalments.")]
    if int(amount_each) <= 0:
        errors["amount_each"] = [_("Each instalment must be more than zero.")]
    if first_due < tehran_date(timezone.now()):
        errors["first_due"] = [_("The first instalment cannot be due in the past.")]
    if not errors and int(count) * int(amount_each) < file.amount:
        errors["amount_each"] = [_("The instalments must add up to at least the amount owed.")]
    if errors:
        raise DomainError(fields=errors, code="plan_invalid")
    if InstalmentPlan.objects.filter(
        file=file, status__in=[PlanStatus.PROPOSED, PlanStatus.GRANTED]
    ).exists():
        raise ConflictError(_("This file already has an instalment plan."), code="plan_exists")
    plan = InstalmentPlan.objects.create(
        file=file, count=count, amount_each=amount_each, first_due=first_due, proposed_by=actor
    )
    tell_parties(file, _("instalments were proposed; the court decides."), key=f"plan:{plan.pk}")
    return plan


def plan_decide(*, plan: InstalmentPlan, actor: Any, grant: bool, note: str = "") -> InstalmentPlan:
    from tanzim.audit.workflow import transition

    with transaction.atomic():
        file = lock_file(plan.file_id)
        plan = transition(
            PLAN,
            plan,
            PlanStatus.GRANTED if grant else PlanStatus.REFUSED,
            actor=actor,
            expected_status=PlanStatus.PROPOSED,
            reason=note,
        )
        if grant and file.status != FileStatus.INSTALMENTS:
            move_file(file, FileStatus.INSTALMENTS, actor)
        tell_parties(file, _("the court decided on the instalments."), key=f"plan_decided:{plan.pk}")
    return plan


# --- closure ------------------------------------------------------------------------------------


def file_close(
    *, file: EnforcementFile, actor: Any, outcome: str, expected_status: str | None = None, note: str = ""
) -> EnforcementFile:
    """Close with an outcome. Returning the file or closing it on insolvency is the court's call."""
    if outcome not in Outcome.values:
        raise DomainError(fields={"outcome": [_("Choose an outcome.")]}, code="outcome")
    kinds = access.require(actor, file, COURT, OFFICE) if actor is not None else {"system"}
    if outcome in (Outcome.RETURNED, Outcome.INSOLVENCY) and COURT not in kinds:
        raise PermissionDeniedError(_("Only the court officer closes a file on this outcome."))
    with transaction.atomic():
        locked = lock_file(file)
        file = move_file(
            locked, FileStatus.CLOSED, actor, expected_status, reason=note, changes={"outcome": outcome}
        )
        tell_parties(file, _("the file was closed."), key="closed")
    return file


def settlement_record(*, file: EnforcementFile, actor: Any) -> EnforcementFile:
    """The parties settled: the fee is halved (CJEA 158-160)."""
    access.require(actor, file, COURT, OFFICE)
    with transaction.atomic():
        locked = lock_file(file)
        require_open(locked)
        EnforcementFile.objects.filter(pk=locked.pk).update(settled=True)
        from tanzim.audit import services as audit

        audit.record(action="enforcement.file.settled", actor=actor, obj=locked, office=locked.office_id)
        locked.refresh_from_db()
    return locked


__all__ = [
    "HANDLERS",
    "Performer",
    "asset_list_check",
    "asset_list_file",
    "enforcement_start",
    "file_close",
    "file_request",
    "plan_decide",
    "plan_propose",
    "service_record",
    "settlement_record",
    "stay_add",
    "stay_lift",
    "step_perform",
    "task_decide",
    "writ_issue",
]
