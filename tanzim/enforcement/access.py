"""Who may do what on an enforcement file: the court officer, the pilot office, the parties."""

from __future__ import annotations

from typing import Any

from tanzim.accounts.permissions import can_oversee, court_officer_province_ids, is_office_staff
from tanzim.common.errors import PermissionDeniedError
from tanzim.enforcement.choices import PartyRole, Performer, Step

COURT = "court"
OFFICE = "office"
CREDITOR = PartyRole.CREDITOR.value
DEBTOR = PartyRole.DEBTOR.value
SYSTEM = "system"


def officer_province_ids(user: Any) -> set[int]:
    """The provinces where ``user`` is the court officer: the COURT_OFFICER role (province-scoped,
    with its validity dates) decides; an active ``CourtOfficer`` row of the pilot's first roster
    still counts until it is moved to a role (migration 0005 moved the existing ones)."""
    from tanzim.enforcement.models import CourtOfficer

    if not getattr(user, "is_authenticated", False):
        return set()
    provinces = set(court_officer_province_ids(user))
    provinces.update(
        CourtOfficer.objects.filter(user=user, active=True).values_list("province_id", flat=True)
    )
    return provinces


def is_court_officer(user: Any, file: Any) -> bool:
    return file.province_id in officer_province_ids(user)


def party_roles(user: Any, file: Any) -> set[str]:
    from tanzim.enforcement.models import FileParty

    if not getattr(user, "is_authenticated", False):
        return set()
    return set(FileParty.objects.filter(file_id=file.pk, user=user).values_list("role", flat=True))


def is_office_staff_of(user: Any, office: Any) -> bool:
    return is_office_staff(user, office)


def is_office(user: Any, file: Any) -> bool:
    return is_office_staff(user, file.office)


def can_read(user: Any, file: Any) -> bool:
    return (
        is_office(user, file)
        or is_court_officer(user, file)
        or can_oversee(user, file.office)
        or bool(party_roles(user, file))
    )


def kinds_of(user: Any, file: Any) -> set[str]:
    """The kinds of actor ``user`` is for ``file`` (court, office, creditor, debtor; system if none)."""
    if user is None:
        return {SYSTEM}
    kinds = party_roles(user, file)
    if is_court_officer(user, file):
        kinds.add(COURT)
    if is_office(user, file):
        kinds.add(OFFICE)
    return kinds


def require(user: Any, file: Any, *allowed: str) -> set[str]:
    kinds = kinds_of(user, file)
    if not kinds & set(allowed):
        raise PermissionDeniedError()
    return kinds


def performer_for(user: Any, file: Any, step: str) -> tuple[str, bool]:
    """(who performs, whether the court officer must approve) for ``step`` done by ``user``.

    The court officer always may; a pilot office only where its province's setting hands it the
    step. Refuses anyone else.
    """
    from tanzim.enforcement.models import PilotSetting

    if step not in Step.values:
        raise ValueError(step)
    if is_court_officer(user, file):
        return Performer.COURT, False
    if is_office(user, file):
        setting = PilotSetting.objects.filter(province_id=file.province_id, step=step).first()
        if setting is not None and setting.office_may:
            return Performer.OFFICE, setting.court_approval
    raise PermissionDeniedError()
