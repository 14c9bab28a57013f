"""The opening checklist: what the applicant gives at each step, and the owner's decision.

Every step change goes through the engine (``APPLICATION``): the owner approves (next step) or
sends back (the same step, with a reason the applicant sees); deadlines are reset at each move.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.services import role_assign
from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.inspections.choices import ItemResult
from tanzim.inspections.services.inspections import score_answers
from tanzim.inspections.services.plans import checklist_current
from tanzim.membership.choices import (
    APPLICANT_DOCUMENTS,
    PREMISES_DOCUMENTS,
    STEP_DAYS,
    STEP_ORDER,
    STEP_OWNER,
    DocumentKind,
    Owner,
    Step,
)
from tanzim.membership.models import Application, ApplicationDocument, Place, PremisesInspection
from tanzim.membership.services.loans import add_months
from tanzim.membership.workflows import APPLICATION, may_act_as
from tanzim.notify.services import message_enqueue
from tanzim.offices.choices import LicenceKind
from tanzim.offices.models import Licence
from tanzim.offices.services import office_create
from tanzim.scheduling.services.slots import slots_generate

TRAINING_HOURS = 40
PASS_SCORE = 60
PREMISES_PASS_SCORE = 70
LICENCE_YEARS = 5
REASON_MAX = 300
#: Steps at which the applicant has something to do until they hand the step in.
APPLICANT_ACTS = (Step.DOCUMENTS, Step.PLACE, Step.PREMISES, Step.EQUIPMENT, Step.GUARANTEE)


def _next(step: str) -> str:
    return STEP_ORDER[STEP_ORDER.index(step) + 1]


def _due(step: str, now: datetime) -> datetime:
    return now + timedelta(days=STEP_DAYS.get(step, 0))


def _require_applicant(application: Application, actor: Any) -> None:
    if not may_act_as(actor, application, Owner.APPLICANT):
        raise PermissionDeniedError()


def _require_step(application: Application, *steps: str) -> None:
    if application.status not in steps:
        raise ConflictError(
            _("This cannot be done at the step “%(step)s”.") % {"step": application.get_status_display()},
            code="wrong_step",
        )


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def documents_missing(application: Application) -> list[str]:
    """The kinds the applicant still has to give at their current step."""
    needed: tuple[str, ...] = ()
    if application.status == Step.DOCUMENTS:
        needed = APPLICANT_DOCUMENTS
    elif application.status == Step.PREMISES:
        needed = PREMISES_DOCUMENTS
    have = set(application.documents.values_list("kind", flat=True))
    return [kind for kind in needed if kind not in have]


@transaction.atomic
def document_add(*, application: Application, actor: Any, kind: str, upload: Any) -> ApplicationDocument:
    """The applicant gives a document (checked by its content: PDF, JPEG or PNG)."""
    application = _lock(application)
    _require_applicant(application, actor)
    if kind not in DocumentKind.values:
        raise DomainError(fields={"kind": [_("Unknown document.")]})
    if kind in APPLICANT_DOCUMENTS:
        _require_step(application, Step.DOCUMENTS)
    else:
        _require_step(application, Step.PREMISES)
    checked = inspect_upload(upload)
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[checked.content_type]
    document = ApplicationDocument(
        application=application,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    document.file.save(f"{kind}{extension}", ContentFile(checked.content), save=False)
    document.save()
    audit.record(
        actor=actor,
        action="membership.document.added",
        obj=document,
        data={"application": application.pk, "kind": kind, "sha256": checked.sha256},
    )
    return document


@transaction.atomic
def step_submit(*, application: Application, actor: Any, data: dict[str, Any] | None = None) -> Application:
    """The applicant hands the current step to its owner (documents, premises, equipment, guarantee)."""
    application = _lock(application)
    _require_applicant(application, actor)
    _require_step(application, Step.DOCUMENTS, Step.PREMISES, Step.EQUIPMENT, Step.GUARANTEE)
    data = data or {}
    fields: dict[str, Any] = {}
    errors: dict[str, list[Any]] = {}
    missing = documents_missing(application)
    if missing:
        labels = ", ".join(str(DocumentKind(k).label) for k in missing)
        errors["documents"] = [_("Still missing: %(names)s.") % {"names": labels}]
    if application.status == Step.PREMISES:
        address = normalize_free_text(data.get("premises_address", ""))
        if len(address) < 10:
            errors["premises_address"] = [_("Enter the full address of the premises.")]
        fields["premises_address"] = address[:300]
    elif application.status == Step.EQUIPMENT:
        computers = int(data.get("computers") or 0)
        mbps = int(data.get("internet_mbps") or 0)
        if computers < 1:
            errors["computers"] = [_("An office needs at least one computer.")]
        if mbps < 8:
            errors["internet_mbps"] = [_("The connection must be at least 8 Mbit/s.")]
        fields["equipment"] = {
            "computers": computers,
            "internet_mbps": mbps,
            "scanner": bool(data.get("scanner")),
            "card_reader": bool(data.get("card_reader")),
        }
    elif application.status == Step.GUARANTEE:
        reference = normalize_text(data.get("guarantee_reference", ""))
        amount = int(data.get("guarantee_amount") or 0)
        if not reference:
            errors["guarantee_reference"] = [_("Enter the guarantee letter's or the deposit's reference.")]
        if amount <= 0:
            errors["guarantee_amount"] = [_("Enter the amount in rials.")]
        fields.update(guarantee_reference=reference[:60], guarantee_amount=amount)
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    fields["submitted_at"] = timezone.now()
    Application.objects.filter(pk=application.pk).update(**fields)
    audit.record(
        actor=actor,
        action="membership.application.submitted",
        obj=application,
        data={"step": application.status},
    )
    application.refresh_from_db()
    return application


def _move(
    application: Application,
    new: str,
    *,
    actor: Any,
    expected_status: str | None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> Application:
    now = timezone.now()
    values = {"step_due": _due(new, now), "submitted_at": None, "returned_reason": "", **(changes or {})}
    return transition(
        APPLICATION,
        application,
        new,
        actor=actor,
        expected_status=expected_status,
        reason=reason,
        changes=values,
        now=now,
    )


def move_by_system(application: Application, new: str, *, expected_status: str) -> Application:
    """A move no person makes (a captured guarantee completes its step); the caller holds the lock."""
    return _move(application, new, actor=None, expected_status=expected_status)


@transaction.atomic
def step_approve(*, application: Application, actor: Any, expected_status: str | None = None) -> Application:
    """The step's owner approves what the applicant handed in: the next step begins.

    Premises (an inspection), training (the test) and the licence have their own services.
    """
    application = _lock(application)
    _require_step(application, Step.DOCUMENTS, Step.EQUIPMENT, Step.GUARANTEE)
    if not may_act_as(actor, application, STEP_OWNER[application.status]):
        raise PermissionDeniedError()
    if application.submitted_at is None:
        raise ConflictError(_("The applicant has not handed this step in yet."), code="not_submitted")
    return _move(application, _next(application.status), actor=actor, expected_status=expected_status)


@transaction.atomic
def step_send_back(
    *, application: Application, actor: Any, reason: str, expected_status: str | None = None
) -> Application:
    """The owner sends the step back with the reason the applicant is told."""
    reason = normalize_free_text(reason)[:REASON_MAX]
    if not reason:
        raise DomainError(fields={"reason": [_("Say why it is sent back.")]}, code="reason_required")
    application = _lock(application)
    if application.status in (Step.PLACE, Step.OPENED, Step.WITHDRAWN):
        raise ConflictError(code="wrong_step")
    moved = _move(
        application,
        application.status,
        actor=actor,
        expected_status=expected_status,
        reason=reason,
        changes={"returned_reason": reason},
    )
    user = moved.user
    transaction.on_commit(
        lambda: message_enqueue(
            template="membership.sent_back",
            to=user.mobile,
            recipient=user,
            context={"step": str(moved.get_status_display()), "reason": reason},
        )
    )
    return moved


@transaction.atomic
def application_withdraw(*, application: Application, actor: Any, reason: str = "") -> Application:
    application = _lock(application)
    place_id = application.place_id
    moved = _move(application, Step.WITHDRAWN, actor=actor, expected_status=None, reason=reason)
    if place_id:
        Place.objects.filter(pk=place_id, taken__gt=0).update(taken=F("taken") - 1)
    return moved


@transaction.atomic
def place_choose(
    *, application: Application, actor: Any, place: Place, expected_status: str | None = None
) -> Application:
    """The applicant takes one of the places the Kanoon opened in a county of their province.

    The place row is locked: two applicants after the last seat are served one after the other,
    and the second is told no place is left (the count also refuses it: ``taken <= seats``).
    """
    application = _lock(application)
    _require_applicant(application, actor)
    _require_step(application, Step.PLACE)
    locked = Place.objects.select_for_update().filter(pk=place.pk).first()
    if locked is None or locked.province_id != application.province_id:
        raise NotFoundError()
    if locked.taken >= locked.seats or not Place.objects.filter(pk=locked.pk, taken__lt=F("seats")).update(
        taken=F("taken") + 1
    ):
        raise ConflictError(
            _("No place is left in %(county)s. Choose another county.") % {"county": locked.city.name},
            code="place_full",
        )
    return _move(
        application, Step.PREMISES, actor=actor, expected_status=expected_status, changes={"place": locked}
    )


@transaction.atomic
def premises_inspect(
    *, application: Application, actor: Any, results: dict[int, str], note: str = ""
) -> PremisesInspection:
    """An inspector inspects the premises on the Kanoon's standard checklist before opening.

    Passing (a score of at least ``PREMISES_PASS_SCORE`` and no critical item failed) moves the
    applicant on; otherwise the step is sent back with the failed items as the reason.
    """
    application = _lock(application)
    _require_step(application, Step.PREMISES)
    if not may_act_as(actor, application, Owner.INSPECTOR):
        raise PermissionDeniedError()
    if application.submitted_at is None:
        raise ConflictError(_("The applicant has not handed this step in yet."), code="not_submitted")
    checklist = checklist_current()
    if checklist is None:
        raise ConflictError(_("No inspection checklist is published."), code="no_checklist")
    items = list(checklist.items.order_by("position"))
    clean: dict[int, str] = {}
    unanswered = []
    for item in items:
        value = results.get(item.pk) or results.get(str(item.pk))  # type: ignore[call-overload]
        if value not in ItemResult.values:
            unanswered.append(item.position)
        else:
            clean[item.pk] = str(value)
    if unanswered:
        raise DomainError(
            _("Answer every item of the checklist (missing: %(items)s).")
            % {"items": ", ".join(str(p) for p in unanswered)},
            code="inspection_incomplete",
        )
    score, critical = score_answers(items, clean)
    passed = score is not None and score >= PREMISES_PASS_SCORE and critical == 0
    inspection = PremisesInspection.objects.create(
        application=application,
        checklist=checklist,
        inspector=actor,
        results={str(k): v for k, v in clean.items()},
        score=score,
        critical_failures=critical,
        passed=passed,
        note=normalize_free_text(note)[:2000],
    )
    if passed:
        _move(application, Step.EQUIPMENT, actor=actor, expected_status=Step.PREMISES)
    else:
        reason = str(
            _("The premises inspection did not pass (score %(score)s, critical items failed: %(critical)s).")
            % {"score": score if score is not None else "-", "critical": critical}
        )
        _move(
            application,
            Step.PREMISES,
            actor=actor,
            expected_status=Step.PREMISES,
            reason=reason,
            changes={"returned_reason": reason},
        )
    return inspection


@transaction.atomic
def training_record(
    *, application: Application, actor: Any, hours: int, score: int, expected_status: str | None = None
) -> Application:
    """The Kanoon records the courses attended and the final test; a pass moves on."""
    application = _lock(application)
    _require_step(application, Step.TRAINING)
    if not may_act_as(actor, application, Owner.KANOON):
        raise PermissionDeniedError()
    errors = {}
    if not 0 <= hours <= 500:
        errors["hours"] = [_("Enter the hours attended (0 to 500).")]
    if not 0 <= score <= 100:
        errors["score"] = [_("Enter the score (0 to 100).")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    changes = {"training_hours": hours, "test_score": score}
    if hours >= TRAINING_HOURS and score >= PASS_SCORE:
        return _move(
            application, Step.GUARANTEE, actor=actor, expected_status=expected_status, changes=changes
        )
    reason = str(
        _("Training not passed: %(hours)s of %(need)s hours, test score %(score)s of %(pass)s needed.")
        % {"hours": hours, "need": TRAINING_HOURS, "score": score, "pass": PASS_SCORE}
    )
    return _move(
        application,
        Step.TRAINING,
        actor=actor,
        expected_status=expected_status,
        reason=reason,
        changes={**changes, "returned_reason": reason},
    )


def office_code_for(application: Application) -> str:
    return f"N{application.pk:07d}"


@transaction.atomic
def licence_issue(
    *,
    application: Application,
    actor: Any,
    kinds: list[str] | tuple[str, ...] = (LicenceKind.MEDIATION,),
    valid_from: date | None = None,
    expected_status: str | None = None,
    slot_days: int | None = None,
) -> Application:
    """The Kanoon issues the licence: the office is opened, in the directory, with hours,
    counters, its manager's role and generated slots."""
    application = _lock(application)
    _require_step(application, Step.LICENCE)
    if not may_act_as(actor, application, Owner.KANOON):
        raise PermissionDeniedError()
    bad = [k for k in kinds if k not in LicenceKind.values]
    if bad or not kinds:
        raise DomainError(fields={"kinds": [_("Choose the licences to issue.")]})
    assert application.place is not None
    start = valid_from or tehran_date(timezone.now())
    until = add_months(start, 12 * LICENCE_YEARS) - timedelta(days=1)
    city = application.place.city
    office = office_create(
        actor=actor,
        code=office_code_for(application),
        name_fa=f"دفتر {application.full_name}",
        name_en=f"Office {office_code_for(application)}",
        city=city,
        address=application.premises_address or city.name_fa,
        counters=2,
        licences=list(kinds),
        licence_from=start,
    )
    Licence.objects.filter(office=office).update(valid_until=until)
    role_assign(actor=actor, user=application.user, role=Role.OFFICE_MANAGER, office=office)
    moved = _move(
        application, Step.OPENED, actor=actor, expected_status=expected_status, changes={"office": office}
    )
    slots_generate(office=office, days=slot_days)
    user = moved.user
    transaction.on_commit(
        lambda: message_enqueue(
            template="membership.opened",
            to=user.mobile,
            recipient=user,
            context={"code": office.code, "until": format_jalali(until)},
            dedupe_key=f"membership-opened:{moved.pk}",
        )
    )
    return moved


def applications_remind_overdue(*, now: datetime | None = None, limit: int = 2000) -> int:
    """SMS applicants whose own step is late (at most once a week each); returns how many."""
    now = now or timezone.now()
    week_ago = now - timedelta(days=7)
    late = (
        Application.objects.filter(status__in=APPLICANT_ACTS, step_due__lt=now, submitted_at__isnull=True)
        .exclude(reminded_at__gte=week_ago)
        .select_related("user")
        .order_by("step_due")[:limit]
    )
    sent = 0
    for application in late:
        with transaction.atomic():
            if (
                not Application.objects.filter(pk=application.pk)
                .exclude(reminded_at__gte=week_ago)
                .update(reminded_at=now)
            ):
                continue
            message_enqueue(
                template="membership.step_overdue",
                to=application.user.mobile,
                recipient=application.user,
                context={
                    "step": str(application.get_status_display()),
                    "due": format_jalali(application.step_due),
                },
                dedupe_key=f"membership-late:{application.pk}:{application.status}:{tehran_date(now)}",
            )
            sent += 1
    return sent
