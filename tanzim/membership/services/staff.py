"""An office's staff: the manager adds a person with the certificate their role needs; the role is
granted only while the certificate is valid, and ends the day the certificate does."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import can_act_for_office
from tanzim.accounts.services import citizen_register_at_counter, role_assign
from tanzim.audit import services as audit
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.common.normalize import normalize_text
from tanzim.membership.choices import ROLE_CERTIFICATE
from tanzim.membership.models import StaffCertificate
from tanzim.offices.models import Office


def _end_of(day: date) -> datetime:
    """The first instant after ``day`` in Tehran: the role ends when the certificate's last day does."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TEHRAN)


@transaction.atomic
def staff_add(
    *,
    actor: Any,
    office: Office,
    national_code: str,
    mobile: str,
    first_name: str,
    last_name: str,
    role: str,
    certificate_number: str,
    valid_from: date,
    valid_until: date,
    today: date | None = None,
) -> StaffCertificate:
    """The office's manager adds a staff member with their certificate; the role follows it."""
    if not can_act_for_office(actor, office, Role.OFFICE_MANAGER):
        raise PermissionDeniedError()
    if role not in ROLE_CERTIFICATE:
        raise DomainError(fields={"role": [_("This role cannot be given here.")]}, code="role_invalid")
    today = today or tehran_date(timezone.now())
    number = normalize_text(certificate_number)[:40]
    errors: dict[str, list[Any]] = {}
    if not number:
        errors["certificate_number"] = [_("Enter the certificate's number.")]
    if valid_until < valid_from:
        errors["valid_until"] = [_("The certificate cannot end before it starts.")]
    elif not valid_from <= today <= valid_until:
        errors["valid_until"] = [_("The certificate is not valid today: the role cannot be granted.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors, code="certificate_invalid")
    user = citizen_register_at_counter(
        actor=actor, national_code=national_code, mobile=mobile, first_name=first_name, last_name=last_name
    )
    assignment = role_assign(
        actor=actor,
        user=user,
        role=role,
        office=office,
        valid_from=timezone.now(),
        valid_until=_end_of(valid_until),
    )
    certificate = StaffCertificate.objects.create(
        office=office,
        user=user,
        role=role,
        kind=ROLE_CERTIFICATE[role],
        number=number,
        valid_from=valid_from,
        valid_until=valid_until,
        assignment=assignment,
        added_by=actor,
    )
    audit.record(
        actor=actor,
        action="membership.staff.added",
        obj=certificate,
        office=office,
        data={"user": user.pk, "role": role, "until": valid_until.isoformat()},
    )
    return certificate
