"""Referrals to partner bodies: prepared with the file packed and the checklist filled, sent, then
moved by the partner (its API, its portal, or a clerk entering it) to an outcome, then closed.

A referral from a dispute to a body that decides it (council, peace court, court, prosecutor) is
the dispute's own referral onward: ``disputes.services.referral_create`` packs it and moves the
dispute to "referred", and the partner's news is written on the dispute's history through
``referral_partner_news``. A referral to a body beside the dispute (an examination at Forensic
Medicine, a Tazirat complaint, the police) leaves the dispute's stage alone.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import can_oversee, is_office_staff
from tanzim.audit.services import record
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import check_replay, fingerprint
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.partners.choices import (
    ACTIONS,
    ADJUDICATING,
    EventType,
    OutcomeCode,
    ReferralStatus,
)
from tanzim.partners.models import ApiKey, Branch, Referral, ReferralDocument, ReferralEvent, ReferralKind
from tanzim.partners.selectors import access_for, nearest_branch, referral_not_found
from tanzim.partners.signals import referral_outcome
from tanzim.partners.workflows import REFERRAL

OPEN = (
    ReferralStatus.PREPARED,
    ReferralStatus.SENT,
    ReferralStatus.RECEIVED,
    ReferralStatus.IN_PROGRESS,
)
NEWS: dict[str, str] = {
    ReferralStatus.PREPARED: "partner_prepared",
    ReferralStatus.SENT: "partner_sent",
    ReferralStatus.RECEIVED: "partner_received",
    ReferralStatus.OUTCOME: "partner_outcome",
    ReferralStatus.RETURNED: "partner_returned",
}


def _new_reference() -> str:
    for _attempt in range(10):
        reference = f"PR-{secrets.randbelow(10**8):08d}"
        if not Referral.objects.filter(reference=reference).exists():
            return reference
    raise ConflictError(code="reference_exhausted")  # pragma: no cover - 10^8 references


def _text(value: Any, limit: int) -> str:
    return normalize_free_text(str(value or "")).strip()[:limit]


def _tell_dispute(referral: Referral, status: str, *, actor: Any = None, reason: str = "") -> None:
    if referral.dispute_id is None or status not in NEWS:
        return
    from tanzim.disputes.services.referral import referral_partner_news

    label = f"{referral.partner.name_fa} / {referral.partner.name_en}"
    referral_partner_news(
        dispute=referral.dispute_id,
        word=NEWS[status],
        reason=f"{label} · {referral.reference}" + (f" · {reason}" if reason else ""),
        subject_id=referral.pk,
        actor=actor,
    )


def case_news_text(referral: Referral, status: str, *, detail: str = "") -> str:
    """The partner's news as one line in Persian and in English (a case's history keeps one text)."""
    heads = []
    for language, name in (("fa", referral.partner.name_fa), ("en", referral.partner.name_en)):
        with translation.override(language):
            if status == ReferralStatus.OUTCOME:
                label = str(OutcomeCode(referral.outcome_code).label)
                heads.append(
                    str(_("Outcome from %(partner)s (referral %(reference)s): %(outcome)s"))
                    % {"partner": name, "reference": referral.reference, "outcome": label}
                )
            else:
                heads.append(
                    str(_("%(partner)s returned the file without action (referral %(reference)s)"))
                    % {"partner": name, "reference": referral.reference}
                )
    return " / ".join(heads) + (f" — {detail}" if detail else "")


def _tell_case(referral: Referral, status: str, *, actor: Any = None, detail: str = "") -> None:
    """A case's referral: its outcome (or its return) is written on the case's history."""
    case = referral.case
    if case is None or status not in (ReferralStatus.OUTCOME, ReferralStatus.RETURNED):
        return
    from tanzim.cases.services import case_note_add

    case_note_add(case=case, text=case_news_text(referral, status, detail=detail), actor=actor)


def _case_bundle(case: Any) -> dict[str, Any]:
    return {
        "format": "tanzim.case-file/1",
        "reference": case.tracking_code,
        "office": {"code": case.office.code, "name_fa": case.office.name_fa, "name_en": case.office.name_en},
        "title": case.title,
        "service": case.service.code,
        "status": case.status,
        "claim_amount": case.claim_amount,
        "filed_at": case.created_at.isoformat() if getattr(case, "created_at", None) else None,
        "documents": [
            {"title": d.title, "pages": getattr(d, "pages", None), "sha256": getattr(d, "sha256", "")}
            for d in case.documents.all()
        ]
        if hasattr(case, "documents")
        else [],
    }


def _dispute_referral(*, dispute: Any, kind: ReferralKind, actor: Any) -> Any:
    """The dispute's own referral onward (reused if already packed for this body), or None."""
    from tanzim.disputes.choices import ReferralPurpose
    from tanzim.disputes.models import Referral as DisputeReferral
    from tanzim.disputes.services.referral import referral_create

    if kind.partner.kind not in ADJUDICATING:
        return None
    existing = DisputeReferral.objects.filter(dispute=dispute, purpose=ReferralPurpose.ADJUDICATION).first()
    if existing is not None:
        if existing.target != kind.partner.kind:
            raise ConflictError(_("This dispute was already referred elsewhere."), code="already_referred")
        return existing
    return referral_create(dispute=dispute, actor=actor, target=kind.partner.kind)


def referral_prepare(
    *,
    actor: Any,
    kind: ReferralKind | int,
    dispute: Any = None,
    case: Any = None,
    branch: Branch | int | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Referral:
    """Prepare a referral of a dispute or a case to a partner's branch (the nearest by default)."""
    if (dispute is None) == (case is None):
        raise DomainError(_("Refer either a dispute or a case."), code="one_file")
    kind_obj = ReferralKind.objects.select_related("partner").filter(pk=getattr(kind, "pk", kind)).first()
    if kind_obj is None or not kind_obj.active or not kind_obj.partner.active:
        raise DomainError(
            fields={"kind": [_("Choose what the partner is asked to do.")]}, code="unknown_kind"
        )
    payload = {
        "kind": kind_obj.pk,
        "dispute": getattr(dispute, "pk", dispute),
        "case": getattr(case, "pk", case),
        "branch": getattr(branch, "pk", branch),
        "note": note,
    }
    if idempotency_key:
        earlier = Referral.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if earlier is not None:
            check_replay(stored_fingerprint=earlier.idempotency_fingerprint, payload=payload)
            return earlier
    file_obj: Any
    with transaction.atomic():
        if dispute is not None:
            from tanzim.disputes.models import Dispute, Party
            from tanzim.disputes.services.referral import referral_bundle

            found = Dispute.objects.select_for_update().filter(pk=getattr(dispute, "pk", dispute)).first()
            if found is None:
                raise NotFoundError(_("Dispute not found."), code="dispute_not_found")
            file_obj = Dispute.objects.select_related("office", "office__city", "case").get(pk=found.pk)
            office = file_obj.office
            claimant = Party.objects.filter(dispute=file_obj, role="claimant").first()
            citizen = claimant.user if claimant is not None else None
        else:
            from tanzim.cases.models import Case

            file_obj = (
                Case.objects.select_related("office", "office__city", "service", "applicant")
                .filter(pk=getattr(case, "pk", case))
                .first()
            )
            if file_obj is None:
                raise NotFoundError(_("Case not found."), code="case_not_found")
            office = file_obj.office
            citizen = file_obj.applicant
        if not is_office_staff(actor, office):
            if can_oversee(actor, office) or (citizen is not None and citizen == actor):
                raise PermissionDeniedError(
                    _("Only the office's counter staff refer a file."), code="not_office"
                )
            raise NotFoundError(code="not_found")
        if branch is None:
            branch_obj = nearest_branch(partner=kind_obj.partner, office=office)
        else:
            branch_obj = Branch.objects.filter(pk=getattr(branch, "pk", branch), active=True).first()
        if branch_obj is None or branch_obj.partner_id != kind_obj.partner_id:
            raise DomainError(fields={"branch": [_("Choose a branch of this partner.")]}, code="bad_branch")
        open_same = Referral.objects.filter(kind=kind_obj, status__in=OPEN)
        open_same = (
            open_same.filter(dispute=file_obj) if dispute is not None else open_same.filter(case=file_obj)
        )
        if open_same.exists():
            raise ConflictError(
                _("This file already has an open referral of this kind."), code="already_open"
            )
        dispute_referral = None
        if dispute is not None:
            dispute_referral = _dispute_referral(dispute=file_obj, kind=kind_obj, actor=actor)
            bundle = referral_bundle(file_obj)
        else:
            bundle = _case_bundle(file_obj)
        try:
            with transaction.atomic():
                referral = Referral.objects.create(
                    reference=_new_reference(),
                    office=office,
                    kind=kind_obj,
                    partner=kind_obj.partner,
                    branch=branch_obj,
                    dispute=file_obj if dispute is not None else None,
                    dispute_referral=dispute_referral,
                    case=file_obj if case is not None else None,
                    citizen=citizen,
                    note=_text(note, 500),
                    bundle=bundle,
                    status_changed_at=timezone.now(),
                    created_by=actor,
                    idempotency_key=idempotency_key or "",
                    idempotency_fingerprint=fingerprint(payload) if idempotency_key else "",
                )
        except IntegrityError as exc:
            raise ConflictError(code="idempotency_key_reused") from exc
        ReferralEvent.objects.create(
            referral=referral,
            created_at=timezone.now(),
            from_status="",
            to_status=ReferralStatus.PREPARED,
            actor=actor,
        )
        record(
            action="partners.referral.prepared",
            actor=actor,
            obj=referral,
            office=office.pk,
            data={"kind": kind_obj.code, "partner": kind_obj.partner.code, "branch": branch_obj.pk},
        )
        _tell_dispute(referral, ReferralStatus.PREPARED, actor=actor)
    return referral


def missing_documents(referral: Referral) -> list[Any]:
    """The required checklist lines with no document yet."""
    have = set(referral.documents.filter(requirement__isnull=False).values_list("requirement_id", flat=True))
    return [line for line in referral.kind.checklist.all() if line.required and line.pk not in have]


def _store(
    referral: Referral, *, upload: Any, title: str, requirement: Any, is_outcome: bool, actor: Any
) -> ReferralDocument:
    inspected = inspect_upload(upload)
    document = ReferralDocument(
        referral=referral,
        requirement=requirement,
        is_outcome=is_outcome,
        title=_text(title, 120) or (requirement.name if requirement is not None else str(_("Outcome"))),
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        uploaded_by=actor,
    )
    document.file.save("document", ContentFile(inspected.content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:
        raise ConflictError(_("This checklist line already has a document."), code="document_exists") from exc
    return document


def referral_document_add(
    *, referral: Referral, actor: Any, upload: Any, requirement: Any = None, title: str = ""
) -> ReferralDocument:
    """Attach a document to the packed file (a checklist line, or an extra one)."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .select_related("office", "kind", "partner")
            .get(pk=referral.pk)
        )
        access = access_for(referral=referral, user=actor)
        if not access.any:
            raise referral_not_found()
        if not access.staff:
            raise PermissionDeniedError(_("Only the referring office adds documents."), code="not_office")
        if referral.status not in OPEN:
            raise ConflictError(_("This referral is no longer open."), code="referral_not_open")
        line = None
        if requirement not in (None, ""):
            line = referral.kind.checklist.filter(pk=getattr(requirement, "pk", requirement)).first()
            if line is None:
                raise DomainError(fields={"requirement": [_("Choose a line of this referral's checklist.")]})
        document = _store(
            referral, upload=upload, title=title, requirement=line, is_outcome=False, actor=actor
        )
        record(
            action="partners.referral.document_added",
            actor=actor,
            obj=referral,
            office=referral.office_id,
            data={"document": document.pk, "requirement": getattr(line, "code", "")},
        )
        if referral.status != ReferralStatus.PREPARED:
            from tanzim.partners.services.webhooks import event_enqueue

            event_enqueue(
                partner=referral.partner,
                referral=referral,
                event_type=EventType.REFERRAL_DOCUMENT,
                data={"document": document.pk, "title": document.title},
            )
    return document


def referral_send(*, referral: Referral, actor: Any, expected_status: str | None = None) -> Referral:
    """Send the prepared file: every required document must be there; the partner's clocks start."""
    from tanzim.partners.services.webhooks import event_enqueue

    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .select_related("kind", "partner", "office")
            .get(pk=referral.pk)
        )
        if not access_for(referral=referral, user=actor).any:
            raise referral_not_found()
        if referral.status == ReferralStatus.PREPARED:
            missing = missing_documents(referral)
            if missing:
                names = "، ".join(line.name for line in missing)
                raise DomainError(
                    _("These required documents are missing: %(names)s.") % {"names": names},
                    code="documents_missing",
                    fields={"documents": [_("Missing: %(names)s.") % {"names": names}]},
                )
        now = timezone.now()
        referral = transition(
            REFERRAL,
            referral,
            ReferralStatus.SENT,
            actor=actor,
            expected_status=expected_status,
            changes={
                "ack_due_at": now + timedelta(days=referral.kind.ack_days),
                "outcome_due_at": now + timedelta(days=referral.kind.outcome_days),
            },
            now=now,
        )
        if referral.dispute_referral_id:
            from tanzim.disputes.choices import ReferralStatus as DisputeReferralStatus
            from tanzim.disputes.models import Referral as DisputeReferral
            from tanzim.disputes.services.referral import referral_record_tracking

            packed = DisputeReferral.objects.filter(
                pk=referral.dispute_referral_id, status=DisputeReferralStatus.PACKED
            ).first()
            if packed is not None:
                referral_record_tracking(referral=packed, actor=actor, tracking_reference=referral.reference)
        _tell_dispute(referral, ReferralStatus.SENT, actor=actor)
        event_enqueue(
            partner=referral.partner, referral=referral, event_type=EventType.REFERRAL_SENT, data={}
        )
    return _reload(referral)


def _reload(referral: Referral) -> Referral:
    return Referral.objects.select_related(
        "office", "partner", "branch", "kind", "dispute", "case", "citizen"
    ).get(pk=referral.pk)


def _partner_guard(referral: Referral, api_key: ApiKey | None) -> None:
    if api_key is not None and (
        api_key.partner_id != referral.partner_id or referral.status in ("prepared", "cancelled")
    ):
        raise referral_not_found()


def _clean_reference(value: str) -> str:
    reference = normalize_text(value or "").replace(" ", "")
    if not (4 <= len(reference) <= 40) or not all(ch.isalnum() or ch in "-/" for ch in reference):
        raise DomainError(
            fields={"partner_reference": [_("Enter the reference as given (4 to 40 letters or digits).")]},
            code="bad_reference",
        )
    return reference


def _move(
    referral: Referral,
    new: str,
    *,
    actor: Any,
    api_key: ApiKey | None,
    expected_status: str | None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> Referral:
    _partner_guard(referral, api_key)
    moved = transition(
        REFERRAL,
        referral,
        new,
        actor=actor,
        expected_status=expected_status,
        reason=reason,
        changes=changes,
        event_data={"api_key": api_key} if api_key is not None else None,
        audit_data={"api_key": api_key.prefix} if api_key is not None else None,
    )
    return moved


def referral_acknowledge(
    *,
    referral: Referral,
    actor: Any = None,
    api_key: ApiKey | None = None,
    partner_reference: str = "",
    expected_status: str | None = None,
) -> Referral:
    """The partner received the file and gave its own reference."""
    reference = _clean_reference(partner_reference)
    with transaction.atomic():
        referral = _move(
            referral,
            ReferralStatus.RECEIVED,
            actor=actor,
            api_key=api_key,
            expected_status=expected_status,
            reason=reference,
            changes={"partner_reference": reference},
        )
        _tell_dispute(referral, ReferralStatus.RECEIVED, actor=actor, reason=reference)
    return _reload(referral)


def referral_start(
    *,
    referral: Referral,
    actor: Any = None,
    api_key: ApiKey | None = None,
    expected_status: str | None = None,
) -> Referral:
    with transaction.atomic():
        referral = _move(
            referral,
            ReferralStatus.IN_PROGRESS,
            actor=actor,
            api_key=api_key,
            expected_status=expected_status,
        )
    return _reload(referral)


def referral_return(
    *,
    referral: Referral,
    actor: Any = None,
    api_key: ApiKey | None = None,
    reason: str = "",
    expected_status: str | None = None,
) -> Referral:
    """The partner sent the file back without acting on it (wrong body, missing documents)."""
    reason = _text(reason, 500)
    if not reason:
        raise DomainError(fields={"reason": [_("Say why the file is returned.")]}, code="reason_required")
    with transaction.atomic():
        referral = _move(
            referral,
            ReferralStatus.RETURNED,
            actor=actor,
            api_key=api_key,
            expected_status=expected_status,
            reason=reason,
            changes={"return_reason": reason},
        )
        _tell_dispute(referral, ReferralStatus.RETURNED, actor=actor, reason=reason)
        _tell_case(referral, ReferralStatus.RETURNED, actor=actor, detail=reason)
    return _reload(referral)


def referral_record_outcome(
    *,
    referral: Referral,
    outcome_code: str,
    note: str = "",
    upload: Any = None,
    actor: Any = None,
    api_key: ApiKey | None = None,
    expected_status: str | None = None,
) -> Referral:
    """The partner's coded outcome (and its document): it goes back to the dispute or the case."""
    if outcome_code not in OutcomeCode.values:
        raise DomainError(fields={"outcome_code": [_("Choose the outcome.")]}, code="bad_outcome")
    note = _text(note, 1000)
    with transaction.atomic():
        _partner_guard(referral, api_key)
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if current.status in (ReferralStatus.CLOSED, ReferralStatus.OUTCOME, ReferralStatus.RETURNED):
            raise ConflictError(
                _("This referral already has its outcome and takes no other."), code="referral_concluded"
            )
        referral = _move(
            current,
            ReferralStatus.OUTCOME,
            actor=actor,
            api_key=api_key,
            expected_status=expected_status,
            reason=str(OutcomeCode(outcome_code).label),
            changes={"outcome_code": outcome_code, "outcome_note": note},
        )
        if upload is not None:
            _store(referral, upload=upload, title="", requirement=None, is_outcome=True, actor=actor)
        label = str(OutcomeCode(outcome_code).label)
        _tell_dispute(
            referral, ReferralStatus.OUTCOME, actor=actor, reason=label + (f": {note}" if note else "")
        )
        _tell_case(referral, ReferralStatus.OUTCOME, actor=actor, detail=note)
        pk = referral.pk
        transaction.on_commit(lambda: referral_outcome.send(sender=Referral, referral_id=pk))
    return _reload(referral)


def referral_close(*, referral: Referral, actor: Any, expected_status: str | None = None) -> Referral:
    from tanzim.partners.services.webhooks import event_enqueue

    with transaction.atomic():
        referral = transition(
            REFERRAL, referral, ReferralStatus.CLOSED, actor=actor, expected_status=expected_status
        )
        event_enqueue(
            partner=referral.partner, referral=referral, event_type=EventType.REFERRAL_CLOSED, data={}
        )
    return _reload(referral)


def referral_cancel(
    *, referral: Referral, actor: Any, reason: str = "", expected_status: str | None = None
) -> Referral:
    with transaction.atomic():
        referral = transition(
            REFERRAL,
            referral,
            ReferralStatus.CANCELLED,
            actor=actor,
            expected_status=expected_status,
            reason=_text(reason, 300),
        )
    return _reload(referral)


def referral_act(
    *,
    referral: Referral,
    action: str,
    actor: Any = None,
    api_key: ApiKey | None = None,
    expected_status: str | None = None,
    partner_reference: str = "",
    reason: str = "",
) -> Referral:
    """One transition by its action name (the API's and the portal's ``{"action", "expected_status"}``)."""
    if action not in ACTIONS:
        raise DomainError(fields={"action": [_("Unknown action.")]}, code="unknown_action")
    if api_key is not None and action in ("send", "close", "cancel"):
        _partner_guard(referral, api_key)
        raise PermissionDeniedError(
            _("This step of the referral is not yours to take."), code="not_your_move"
        )
    if action == "send":
        return referral_send(referral=referral, actor=actor, expected_status=expected_status)
    if action == "acknowledge":
        return referral_acknowledge(
            referral=referral,
            actor=actor,
            api_key=api_key,
            partner_reference=partner_reference,
            expected_status=expected_status,
        )
    if action == "start":
        return referral_start(
            referral=referral, actor=actor, api_key=api_key, expected_status=expected_status
        )
    if action == "return":
        return referral_return(
            referral=referral, actor=actor, api_key=api_key, reason=reason, expected_status=expected_status
        )
    if action == "close":
        return referral_close(referral=referral, actor=actor, expected_status=expected_status)
    return referral_cancel(referral=referral, actor=actor, reason=reason, expected_status=expected_status)


def referrals_remind_overdue(*, now: Any = None) -> int:
    """Remind the partners of referrals past their expected acknowledgement or outcome (once each)."""
    from django.db.models import Q

    from tanzim.partners.services.webhooks import event_enqueue

    now = now or timezone.now()
    overdue = Referral.objects.filter(reminded_at__isnull=True).filter(
        Q(status=ReferralStatus.SENT, ack_due_at__lt=now)
        | Q(status__in=(ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS), outcome_due_at__lt=now)
    )
    count = 0
    for referral in overdue.select_related("partner").order_by("pk")[:500]:
        with transaction.atomic():
            if not Referral.objects.filter(pk=referral.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            due = referral.ack_due_at if referral.status == ReferralStatus.SENT else referral.outcome_due_at
            event_enqueue(
                partner=referral.partner,
                referral=referral,
                event_type=EventType.REFERRAL_OVERDUE,
                data={"expected_by": due.isoformat() if due else None, "status": referral.status},
            )
            record(
                action="partners.referral.reminded",
                obj=referral,
                office=referral.office_id,
                data={"status": referral.status},
            )
            count += 1
    return count
