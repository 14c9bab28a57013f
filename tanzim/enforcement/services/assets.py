"""The asset register: listing, exempt property, seizure, valuation and objection, salary
garnishment, release; asset inquiries to the agencies through their adapters."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError
from tanzim.common.jalali import tehran_date
from tanzim.common.normalize import normalize_free_text, normalize_text
from tanzim.enforcement import access
from tanzim.enforcement.access import COURT, CREDITOR, DEBTOR, OFFICE
from tanzim.enforcement.adapters import adapter_for
from tanzim.enforcement.choices import (
    Agency,
    AssetKind,
    AssetStatus,
    FileStatus,
    FoundBy,
    InquiryStatus,
    ObjectionStatus,
    PartyRole,
    Step,
)
from tanzim.enforcement.models import Asset, AssetInquiry, EnforcementFile, FileParty
from tanzim.enforcement.rules import exempt_categories, garnishable, rules
from tanzim.enforcement.services._common import due, lock_file, require_not_stayed, tell_parties
from tanzim.enforcement.services.files import handles, step_perform
from tanzim.enforcement.workflows import ASSET, INQUIRY

WORKING = (FileStatus.SERVED, FileStatus.ENFORCING, FileStatus.INSTALMENTS, FileStatus.DISTRIBUTING)


def _money(value: Any, field: str) -> int:
    try:
        amount = int(value or 0)
    except (TypeError, ValueError):
        raise DomainError(fields={field: [_("Enter an amount in whole rials.")]}, code="amount") from None
    if amount < 0:
        raise DomainError(fields={field: [_("Amounts cannot be negative.")]}, code="amount")
    return amount


def asset_create(
    *, file: EnforcementFile, actor: Any, found_by: str, data: Mapping[str, Any], locked: bool = False
) -> Asset:
    """Add an asset to the register. The debtor lists, the creditor names (CJEA 35 n.1), an inquiry finds."""
    kind = data.get("kind")
    errors: dict[str, list[Any]] = {}
    if kind not in AssetKind.values:
        errors["kind"] = [_("Choose the type of asset.")]
    description = normalize_free_text(str(data.get("description") or "")).strip()
    if not description:
        errors["description"] = [_("Describe the asset.")]
    exempt = normalize_text(str(data.get("exempt_category") or ""))
    if exempt and exempt not in exempt_categories():
        errors["exempt_category"] = [_("Unknown exempt category.")]
    if errors:
        raise DomainError(fields=errors, code="asset_invalid")
    with transaction.atomic():
        if not locked:
            if found_by == FoundBy.CREDITOR:
                access.require(actor, file, CREDITOR, COURT, OFFICE)
            file = lock_file(file)
            require_not_stayed(file)
            if file.status not in WORKING:
                raise ConflictError(_("Property is named once the writ is served."), code="not_served")
        asset = Asset.objects.create(
            file=file,
            kind=str(kind),
            found_by=found_by,
            description=description[:300],
            identifier=normalize_text(str(data.get("identifier") or ""))[:60],
            estimated_value=_money(data.get("estimated_value"), "estimated_value"),
            exempt_category=exempt,
            monthly_salary=_money(data.get("monthly_salary"), "monthly_salary")
            if kind == AssetKind.SALARY
            else 0,
            protected_benefits=_money(data.get("protected_benefits"), "protected_benefits")
            if kind == AssetKind.SALARY
            else 0,
            is_pension=bool(data.get("is_pension")) and kind == AssetKind.SALARY,
            created_by=actor,
        )
        audit.record(
            action="enforcement.asset.listed",
            actor=actor,
            obj=asset,
            office=file.office_id,
            data={"kind": kind, "found_by": found_by, "exempt": exempt},
        )
        if found_by == FoundBy.CREDITOR:
            tell_parties(
                file,
                _("the creditor named property for seizure."),
                key=f"named:{asset.pk}",
                roles=(PartyRole.DEBTOR,),
            )
    return asset


def _asset_of(file: EnforcementFile, asset_id: Any) -> Asset:
    asset = Asset.objects.select_for_update().filter(pk=asset_id, file=file).first()
    if asset is None:
        raise DomainError(fields={"asset": [_("Not an asset of this file.")]}, code="asset_unknown")
    return asset


# --- seizure (CJEA 49-51) ------------------------------------------------------------------------


def asset_seize(*, asset: Asset, actor: Any) -> Any:
    """Draft (office) or make (court) the seizure record; exempt property is never seized."""

    def check(locked: EnforcementFile) -> None:
        fresh = Asset.objects.get(pk=asset.pk)
        _refuse_exempt(fresh)
        if fresh.status != AssetStatus.LISTED:
            raise ConflictError(_("Only a listed asset can be seized."), code="asset_not_listed")

    _refuse_exempt(asset)
    return step_perform(
        file=asset.file, step=Step.SEIZURE, actor=actor, payload={"asset": asset.pk}, check=check
    )


def _refuse_exempt(asset: Asset) -> None:
    if asset.exempt_category:
        name = exempt_categories().get(asset.exempt_category, asset.exempt_category)
        raise DomainError(
            _("This property is exempt from seizure (%(category)s, 1394 Law 24).") % {"category": name},
            fields={"asset": [_("Exempt property cannot be seized.")]},
            code="asset_exempt",
        )


@handles(Step.SEIZURE)
def _apply_seizure(file: EnforcementFile, payload: dict[str, Any], actor: Any) -> None:
    asset = _asset_of(file, payload["asset"])
    _refuse_exempt(asset)
    transition(ASSET, asset, AssetStatus.SEIZED, actor=actor, expected_status=AssetStatus.LISTED)
    if file.status == FileStatus.SERVED:
        from tanzim.enforcement.services._common import move_file

        move_file(file, FileStatus.ENFORCING, actor, FileStatus.SERVED)
    tell_parties(
        file, _("property was seized: %(asset)s.") % {"asset": asset.description}, key=f"seized:{asset.pk}"
    )


def salary_garnish(*, asset: Asset, actor: Any, monthly: int) -> Asset:
    """Order the employer to withhold ``monthly`` rials: never more than the legal fraction (CJEA 96)."""
    access.require(actor, asset.file, COURT, OFFICE)
    monthly = _money(monthly, "monthly")
    with transaction.atomic():
        file = lock_file(asset.file_id)
        require_not_stayed(file)
        asset = _asset_of(file, asset.pk)
        if asset.kind != AssetKind.SALARY:
            raise DomainError(
                fields={"asset": [_("Only a salary or pension is garnished.")]}, code="not_salary"
            )
        if asset.status != AssetStatus.SEIZED:
            raise ConflictError(_("Seize the salary before setting the monthly amount."), code="not_seized")
        debtor = FileParty.objects.filter(file=file, role=PartyRole.DEBTOR).order_by("pk").first()
        limit = garnishable(
            monthly=asset.monthly_salary,
            protected=asset.protected_benefits,
            has_dependants=bool(debtor and debtor.has_dependants),
            is_pension=asset.is_pension,
        )
        if monthly <= 0 or monthly > limit:
            raise DomainError(
                _("At most %(limit)s rials a month may be taken from this salary (CJEA 96).")
                % {"limit": limit},
                fields={"monthly": [_("More than the legal fraction.")]},
                code="garnish_over_limit",
            )
        Asset.objects.filter(pk=asset.pk).update(garnish_monthly=monthly)
        audit.record(
            action="enforcement.asset.garnished",
            actor=actor,
            obj=asset,
            office=file.office_id,
            data={"monthly": monthly, "limit": limit},
        )
        asset.refresh_from_db()
    return asset


# --- valuation and objection (CJEA 74-75) ---------------------------------------------------------


def asset_value(*, asset: Asset, actor: Any, value: int, valuer: str) -> Any:
    value = _money(value, "value")
    if value <= 0:
        raise DomainError(fields={"value": [_("The valuation must be more than zero.")]}, code="value")
    valuer = normalize_free_text(valuer).strip()
    if not valuer:
        raise DomainError(
            fields={"valuer": [_("Name the valuer (agreed by both, or the official expert).")]}, code="valuer"
        )

    def check(locked: EnforcementFile) -> None:
        fresh = Asset.objects.get(pk=asset.pk)
        if fresh.status != AssetStatus.SEIZED and fresh.objection_status != ObjectionStatus.UPHELD:
            raise ConflictError(_("Only a seized asset is valued."), code="asset_not_seized")

    return step_perform(
        file=asset.file,
        step=Step.VALUATION,
        actor=actor,
        payload={"asset": asset.pk, "value": value, "valuer": valuer[:120]},
        check=check,
    )


@handles(Step.VALUATION)
def _apply_valuation(file: EnforcementFile, payload: dict[str, Any], actor: Any) -> None:
    asset = _asset_of(file, payload["asset"])
    now = timezone.now()
    changes = {
        "value": int(payload["value"]),
        "valuer": payload["valuer"],
        "valued_at": now,
        "objection_due": due(tehran_date(now), days=rules()["objection_days"]),
        "objection_status": ObjectionStatus.NONE,
        "objection_text": "",
        "objection_filed_at": None,
    }
    if asset.status == AssetStatus.SEIZED:
        transition(
            ASSET, asset, AssetStatus.VALUED, actor=actor, expected_status=AssetStatus.SEIZED, changes=changes
        )
    else:  # valued again after an objection was upheld
        Asset.objects.filter(pk=asset.pk).update(**changes)
    tell_parties(
        file,
        _("the valuation of %(asset)s was served: %(value)s rials. Objections within 3 days.")
        % {"asset": asset.description, "value": payload["value"]},
        key=f"valued:{asset.pk}:{now.timestamp()}",
    )


@transaction.atomic
def objection_file(*, asset: Asset, actor: Any, text: str) -> Asset:
    """Either party objects to the valuation within 3 days of its service (CJEA 75)."""
    access.require(actor, asset.file, DEBTOR, CREDITOR)
    file = lock_file(asset.file_id)
    asset = _asset_of(file, asset.pk)
    text = normalize_free_text(text).strip()
    if not text:
        raise DomainError(fields={"text": [_("Say why the valuation is wrong.")]}, code="objection_text")
    if asset.status != AssetStatus.VALUED or asset.objection_due is None:
        raise ConflictError(_("This asset has no valuation to object to."), code="not_valued")
    if asset.objection_status == ObjectionStatus.PENDING:
        raise ConflictError(_("An objection is already before the court."), code="objection_pending")
    if tehran_date(timezone.now()) > asset.objection_due:
        raise DomainError(
            _("The 3 days for an objection ended on %(date)s.") % {"date": asset.objection_due.isoformat()},
            fields={"text": [_("Too late to object.")]},
            code="objection_late",
        )
    Asset.objects.filter(pk=asset.pk).update(
        objection_status=ObjectionStatus.PENDING, objection_text=text[:500], objection_filed_at=timezone.now()
    )
    audit.record(action="enforcement.asset.objection_filed", actor=actor, obj=asset, office=file.office_id)
    tell_parties(
        file,
        _("an objection to a valuation was filed; the court decides."),
        key=f"objection:{asset.pk}:{timezone.now().timestamp()}",
    )
    asset.refresh_from_db()
    return asset


@transaction.atomic
def objection_decide(*, asset: Asset, actor: Any, uphold: bool) -> Asset:
    """The court's decision on an objection is final (CJEA 75); upheld → the asset is valued again."""
    access.require(actor, asset.file, COURT)
    file = lock_file(asset.file_id)
    asset = _asset_of(file, asset.pk)
    if asset.objection_status != ObjectionStatus.PENDING:
        raise ConflictError(_("No objection is waiting for a decision."), code="no_objection")
    Asset.objects.filter(pk=asset.pk).update(
        objection_status=ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    )
    audit.record(
        action="enforcement.asset.objection_decided",
        actor=actor,
        obj=asset,
        office=file.office_id,
        data={"upheld": uphold},
    )
    asset.refresh_from_db()
    return asset


def asset_release(*, asset: Asset, actor: Any, reason: str = "") -> Asset:
    access.require(actor, asset.file, COURT)
    with transaction.atomic():
        lock_file(asset.file_id)
        return transition(ASSET, asset, AssetStatus.RELEASED, actor=actor, reason=reason)


# --- asset inquiries (1394 Law 19) ----------------------------------------------------------------


def inquiry_send(*, file: EnforcementFile, actor: Any, agencies: list[str]) -> Any:
    """At the creditor's request, ask the agencies; each answers through its adapter."""
    wanted = sorted(set(agencies))
    if not wanted or any(a not in Agency.values for a in wanted):
        raise DomainError(fields={"agencies": [_("Choose the agencies to ask.")]}, code="agencies")
    return step_perform(file=file, step=Step.INQUIRY, actor=actor, payload={"agencies": wanted})


@handles(Step.INQUIRY)
def _apply_inquiry(file: EnforcementFile, payload: dict[str, Any], actor: Any) -> None:
    for agency in payload["agencies"]:
        inquiry, created = AssetInquiry.objects.get_or_create(
            file=file, agency=agency, defaults={"requested_by": actor}
        )
        if not created and inquiry.status == InquiryStatus.FAILED:
            transition(
                INQUIRY, inquiry, InquiryStatus.SENT, actor=actor, expected_status=InquiryStatus.FAILED
            )
        if created or inquiry.status != InquiryStatus.ANSWERED:
            transaction.on_commit(functools.partial(_ask_after_commit, inquiry.pk))


def _ask_after_commit(inquiry_id: int) -> None:
    from tanzim.enforcement.tasks import ask_agency

    ask_agency.delay(inquiry_id)


def inquiry_ask(*, inquiry_id: int) -> AssetInquiry:
    """Call the agency's adapter (outside any lock: it is slow and may fail), then record the answer."""
    inquiry = AssetInquiry.objects.select_related("file").get(pk=inquiry_id)
    if inquiry.status != InquiryStatus.SENT:
        return inquiry
    debtor = FileParty.objects.filter(file=inquiry.file, role=PartyRole.DEBTOR).order_by("pk").first()
    result = adapter_for(inquiry.agency).inquire(
        national_code=debtor.national_code if debtor else "",
        reference=f"{inquiry.file.number}:{inquiry.agency}:{inquiry.attempts}",
    )
    with transaction.atomic():
        locked = AssetInquiry.objects.select_for_update().get(pk=inquiry.pk)
        if locked.status != InquiryStatus.SENT:
            return locked
        AssetInquiry.objects.filter(pk=locked.pk).update(
            attempts=locked.attempts + 1, latency_ms=result.latency_ms
        )
        if not result.ok:
            return transition(INQUIRY, locked, InquiryStatus.FAILED, changes={"error": result.error[:200]})
        file = lock_file(locked.file_id)
        for found in result.assets:
            Asset.objects.create(
                file=file,
                kind=found["kind"],
                found_by=FoundBy.INQUIRY,
                description=str(found["description"])[:300],
                identifier=str(found.get("identifier", ""))[:60],
                estimated_value=int(found.get("estimated_value", 0)),
            )
        inquiry = transition(
            INQUIRY,
            locked,
            InquiryStatus.ANSWERED,
            changes={
                "answer": {"assets": result.assets, "transfers": result.transfers},
                "answered_at": timezone.now(),
            },
        )
        tell_parties(
            file,
            _("an agency answered the asset inquiry."),
            key=f"inquiry:{inquiry.pk}",
            roles=(PartyRole.CREDITOR,),
        )
    return inquiry
