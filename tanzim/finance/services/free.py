"""Free services (note to art. 505 of the Civil Procedure Code): a ground, its evidence, a monthly cap.

A service is free only on a recorded ground: the client is a client of the Imam Khomeini Relief
Committee or receives an allowance from the Welfare Organisation (their card or file number and
an official confirmation), it is delivered on an outreach mission the Kanoon approved, or the
Kanoon decided it (the decision's number, date and a copy). Each
grant counts against the office's monthly cap, checked under a lock on the office's row so two
clerks at once cannot pass it. The free payment of what a grant names is the only one the
Kanoon reimburses (``payment_create`` asks ``grant_for_payment``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.permissions import is_kanoon, is_office_staff
from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, DomainError, PermissionDeniedError
from tanzim.common.jalali import JalaliMonth, format_jalali, tehran_date
from tanzim.common.money import format_rials
from tanzim.common.normalize import normalize_digits, normalize_text
from tanzim.common.uploads import inspect_upload
from tanzim.finance.choices import FreeServiceGround, PaymentStatus
from tanzim.finance.models import FreeServiceCap, FreeServiceGrant, OutreachMission, Payment
from tanzim.offices.models import Office

# A Relief Committee or Welfare Organisation card or file number: digits only, 6 to 16 of them.
EVIDENCE_NUMBER = re.compile(r"[0-9]{6,16}")
# A Kanoon decision's number (``1405/217``): digits and slashes, at most 9 characters, kept with
# its Jalali date in the grant's evidence (``1405/217 1405/08/20``, 20 characters at most).
DECISION_NUMBER = re.compile(r"[0-9][0-9/]{0,8}")


@dataclass(frozen=True)
class Cap:
    """An office's cap for one month: ``None`` means no cap on that measure."""

    max_count: int | None
    max_rials: int | None


def _require_kanoon(actor: Any) -> None:
    if not is_kanoon(actor):
        raise PermissionDeniedError(_("Only the Kanoon's administrators can do this."))


def free_service_cap_for(*, office: Office | int, month: JalaliMonth) -> Cap:
    """The most specific cap: this office this month, this office, every office this month, the default."""
    office_id: int = office.pk if isinstance(office, Office) else int(office)
    rows = {
        (row.office_id, row.month): row
        for row in FreeServiceCap.objects.filter(
            Q(office_id=office_id) | Q(office__isnull=True), month__in=[month.key, 0]
        )
    }
    for key in ((office_id, month.key), (office_id, 0), (None, month.key), (None, 0)):
        if key in rows:
            return Cap(max_count=rows[key].max_count, max_rials=rows[key].max_rials)
    rials = settings.FINANCE_FREE_SERVICE_CAP_RIALS
    return Cap(max_count=settings.FINANCE_FREE_SERVICE_CAP_COUNT, max_rials=rials or None)


def free_service_cap_set(
    *,
    office: Office | None,
    month: JalaliMonth | None,
    max_count: int | None,
    max_rials: int | None,
    actor: Any,
) -> FreeServiceCap:
    """The Kanoon sets a cap: for one office or every office, for one month or every month."""
    _require_kanoon(actor)
    for name, value in (("max_count", max_count), ("max_rials", max_rials)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise DomainError(fields={name: [_("Enter a whole number, zero or more.")]})
    with transaction.atomic():
        cap, _created = FreeServiceCap.objects.update_or_create(
            office=office,
            month=month.key if month else 0,
            defaults={"max_count": max_count, "max_rials": max_rials, "set_by": actor},
        )
        audit.record(
            action="finance.free_service_cap.set",
            actor=actor,
            obj=cap,
            office=office,
            data={
                "month": month.key if month else 0,
                "max_count": max_count,
                "max_rials": max_rials,
            },
        )
    return cap


def outreach_mission_create(
    *, name: str, offices: Iterable[Office], starts_on: date, ends_on: date, actor: Any
) -> OutreachMission:
    """The Kanoon records an outreach mission (approved separately, by ``outreach_mission_approve``)."""
    _require_kanoon(actor)
    name = normalize_text(name)[:200]
    offices = list(offices)
    errors: dict[str, list[Any]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    if not offices:
        errors["offices"] = [_("Choose at least one office.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first.")]
    if errors:
        raise DomainError(fields=errors)
    with transaction.atomic():
        mission = OutreachMission.objects.create(
            name=name, starts_on=starts_on, ends_on=ends_on, created_by=actor
        )
        mission.offices.set(offices)
        audit.record(
            action="finance.outreach_mission.created",
            actor=actor,
            obj=mission,
            data={"offices": sorted(o.pk for o in offices), "from": str(starts_on), "to": str(ends_on)},
        )
    return mission


def outreach_mission_approve(*, mission: OutreachMission, actor: Any) -> OutreachMission:
    _require_kanoon(actor)
    with transaction.atomic():
        mission = OutreachMission.objects.select_for_update().get(pk=mission.pk)
        if mission.approved_at is not None:
            return mission
        mission.approved_by, mission.approved_at = actor, timezone.now()
        mission.save(update_fields=["approved_by", "approved_at"])
        audit.record(action="finance.outreach_mission.approved", actor=actor, obj=mission)
    return mission


def missions_open_for(*, offices: Iterable[Office | int], on: date | None = None) -> list[OutreachMission]:
    """The approved missions these offices serve on a day (the choices of the outreach ground)."""
    day = on or tehran_date(timezone.now())
    ids = sorted({o.pk if isinstance(o, Office) else int(o) for o in offices})
    return list(
        OutreachMission.objects.filter(
            offices__in=ids, approved_at__isnull=False, starts_on__lte=day, ends_on__gte=day
        )
        .distinct()
        .order_by("starts_on", "pk")
    )


def _clean_decision(number: str, decision_date: Any, day: date, errors: dict[str, list[Any]]) -> str:
    """The Kanoon decision's number and date, checked; the evidence as stored (number and Jalali date)."""
    if not number:
        errors["evidence_number"] = [_("Enter the number of the Kanoon's decision.")]
    elif not DECISION_NUMBER.fullmatch(number):
        errors["evidence_number"] = [_("A decision number has digits and slashes, at most 9 characters.")]
    if not isinstance(decision_date, date):
        errors["decision_date"] = [_("Enter the date of the Kanoon's decision.")]
    elif decision_date > day:
        errors["decision_date"] = [_("The decision must be dated on or before the day of the service.")]
    if errors:
        return ""
    return f"{number} {format_jalali(decision_date, persian_digits=False)}"


def _clean_ground(
    *,
    office: Office,
    ground: str,
    evidence_number: str,
    document: Any,
    mission: Any,
    day: date,
    decision_date: Any = None,
) -> tuple[str, OutreachMission | None]:
    errors: dict[str, list[Any]] = {}
    number = normalize_digits(normalize_text(evidence_number or "")).replace(" ", "").replace("-", "")
    found: OutreachMission | None = None
    if ground not in FreeServiceGround.values:
        errors["ground"] = [_("Choose the ground for the free service.")]
    elif ground == FreeServiceGround.OUTREACH_MISSION:
        mission_id = getattr(mission, "pk", mission)
        if not mission_id:
            errors["mission"] = [_("Choose the outreach mission.")]
        else:
            found = (
                OutreachMission.objects.filter(pk=mission_id).first() if str(mission_id).isdigit() else None
            )
            if (
                found is None
                or found.approved_at is None
                or not found.offices.filter(pk=office.pk).exists()
                or not found.starts_on <= day <= found.ends_on
            ):
                found = None
                errors["mission"] = [
                    _("This is not an outreach mission the Kanoon approved for this office today.")
                ]
        number = ""
    elif ground == FreeServiceGround.KANOON_DECISION:
        number = _clean_decision(number, decision_date, day, errors)
        if not document:
            errors["confirmation_document"] = [
                _("Attach a copy of the Kanoon's decision (PDF, JPEG or PNG).")
            ]
    else:
        if not number:
            errors["evidence_number"] = [_("Enter the client's card or file number.")]
        elif not EVIDENCE_NUMBER.fullmatch(number):
            errors["evidence_number"] = [_("A card or file number has 6 to 16 digits.")]
        if not document:
            errors["confirmation_document"] = [_("Attach the official confirmation (PDF, JPEG or PNG).")]
    if errors:
        raise DomainError(
            _("A free service needs its ground and evidence."), fields=errors, code="free_service_ground"
        )
    return number, found


def _month_name(month: JalaliMonth) -> str:
    return month.label(get_language() or "fa")


def free_service_grant(
    *,
    office: Office,
    ground: str,
    evidence_number: str = "",
    confirmation_document: Any = None,
    mission: Any = None,
    reference_type: str,
    reference_id: str,
    actor: Any,
    served_on: date | None = None,
    decision_date: date | None = None,
) -> FreeServiceGrant:
    """Record the ground of a free service and count it against the office's cap for the month.

    ``served_on``: the day the service was given, when it is recorded later (a field tablet that
    synced after the mission's day); never in the future. The mission must have covered that day.

    A Kanoon decision (``KANOON_DECISION``) is evidenced by its number (``evidence_number``), its
    ``decision_date`` (on or before the service) and a copy (``confirmation_document``).

    Only the office's counter staff (clerk, manager) grant one. The cap is checked while holding
    the office's row lock, so the last free service of the month goes to one clerk, never to two.
    """
    if actor is None or not is_office_staff(actor, office):
        raise PermissionDeniedError(
            _("Only the office's staff can waive the fee for a vulnerable client."), code="waiver_not_allowed"
        )
    now = timezone.now()
    day = min(served_on, tehran_date(now)) if served_on else tehran_date(now)
    number, found = _clean_ground(
        office=office,
        ground=ground,
        evidence_number=evidence_number,
        document=confirmation_document,
        mission=mission,
        day=day,
        decision_date=decision_date,
    )
    checked = None
    if ground != FreeServiceGround.OUTREACH_MISSION:
        try:
            checked = inspect_upload(confirmation_document)
        except DomainError as exc:
            raise DomainError(
                exc.message,
                code=exc.code,
                fields={"confirmation_document": [str(m) for m in exc.fields.get("file", [exc.message])]},
            ) from exc
    month = JalaliMonth.of(now)
    with transaction.atomic():
        Office.objects.select_for_update().filter(pk=office.pk).first()
        if FreeServiceGrant.objects.filter(reference_type=reference_type, reference_id=reference_id).exists():
            raise ConflictError(_("This service is already free."), code="already_free")
        cap = free_service_cap_for(office=office, month=month)
        used = FreeServiceGrant.objects.filter(office=office, month=month.key).count()
        if cap.max_count is not None and used >= cap.max_count:
            text = str(
                _("The Kanoon's cap of %(count)s free services for this office in %(month)s is reached.")
                % {"count": cap.max_count, "month": _month_name(month)}
            )
            raise ConflictError(text, code="free_service_cap_reached", fields={"ground": [text]})
        grant = FreeServiceGrant(
            office=office,
            ground=ground,
            evidence_number=number,
            mission=found,
            month=month.key,
            reference_type=reference_type,
            reference_id=reference_id,
            granted_by=actor,
            granted_at=now,
        )
        if checked is not None:
            grant.document_type, grant.document_sha256 = checked.content_type, checked.sha256
            grant.document.save("confirmation", ContentFile(checked.content), save=False)
        grant.save()
        audit.record(
            action="finance.free_service.granted",
            actor=actor,
            obj=grant,
            office=office,
            data={
                "ground": ground,
                "mission": found.pk if found else None,
                "reference": f"{reference_type}:{reference_id}",
                "month": month.key,
                "document_sha256": grant.document_sha256,
                **({"decision": number} if ground == FreeServiceGround.KANOON_DECISION else {}),
            },
        )
    return grant


def grant_for_payment(
    *, office: Office, reference_type: str, reference_id: str, subsidy: int
) -> FreeServiceGrant:
    """The grant behind a free payment, locked; refused without one or beyond the month's cap in rials.

    The caller is inside ``payment_create``'s transaction and links the payment to the grant.
    """
    grant = (
        FreeServiceGrant.objects.select_for_update()
        .filter(office=office, reference_type=reference_type, reference_id=reference_id)
        .first()
    )
    if grant is None:
        message = _("A free service needs a recorded ground (note to art. 505 of the Civil Procedure Code).")
        raise DomainError(message, code="free_service_ground_required", fields={"free_service": [message]})
    month = JalaliMonth.from_key(grant.month)
    cap = free_service_cap_for(office=office, month=month)
    if cap.max_rials is not None and subsidy:
        Office.objects.select_for_update().filter(pk=office.pk).first()
        reimbursed = (
            Payment.objects.filter(
                free_grants__office=office, free_grants__month=grant.month, status=PaymentStatus.CAPTURED
            )
            .exclude(pk=grant.payment_id or 0)
            .aggregate(total=Sum("subsidy"))["total"]
            or 0
        )
        if reimbursed + subsidy > cap.max_rials:
            text = str(
                _(
                    "The Kanoon's cap of %(amount)s rials of free services for this office"
                    " in %(month)s is reached."
                )
                % {"amount": format_rials(cap.max_rials), "month": _month_name(month)}
            )
            raise ConflictError(text, code="free_service_cap_reached", fields={"free_service": [text]})
    return grant


def ground_label(grant: FreeServiceGrant) -> str:
    """The ground as a receipt shows it (the mission named for outreach)."""
    label = str(grant.get_ground_display())
    if grant.mission is not None:
        return f"{label}: {grant.mission.name}"
    if grant.ground == FreeServiceGround.KANOON_DECISION and grant.evidence_number:
        return f"{label}: {grant.evidence_number}"
    return label
