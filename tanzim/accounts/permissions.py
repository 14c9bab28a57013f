"""Role sets and role checks: the one place that says which roles may do what.

Apps import their role checks from here and define none of their own. The checks are reads
(they only look at the user's active role assignments through ``scope_for``), so selectors
may use them as freely as services.

Role sets, by purpose:

- ``COUNTER``: the people who serve an office's clients and act on its requests (clerk, manager).
- ``OFFICE_WORKERS``: everyone whose role is tied to an office (adds mediators, arbitrators,
  consultants) — e.g. excluded from answering the office's own surveys.
- ``OVERSIGHT``: those who watch offices from outside (inspector, province admin, the Kanoon).
- ``OFFICE_READERS``: ``COUNTER`` and ``OVERSIGHT`` — who may read an office's files.
- ``NATIONAL``: roles that see the whole network's figures (the Kanoon, inspectors, partners).
- ``FINANCE_READERS``: who may read an office's money (payments, statements): ``OFFICE_WORKERS``,
  its province administrator and the Kanoon — not inspectors, whose remit is the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tanzim.accounts.choices import OFFICE_ROLES, STAFF_ROLES, Role
from tanzim.accounts.selectors import Scope, Visitor, scope_for

if TYPE_CHECKING:
    from tanzim.offices.models import Office

COUNTER: tuple[str, ...] = (Role.CLERK, Role.OFFICE_MANAGER)
OFFICE_WORKERS: tuple[str, ...] = tuple(sorted(OFFICE_ROLES))
OVERSIGHT: tuple[str, ...] = (Role.INSPECTOR, Role.PROVINCE_ADMIN, Role.KANOON_ADMIN)
OFFICE_READERS: tuple[str, ...] = (*COUNTER, *OVERSIGHT)
NATIONAL: tuple[str, ...] = (Role.KANOON_ADMIN, Role.INSPECTOR, Role.PARTNER)
MANAGERS: tuple[str, ...] = (Role.OFFICE_MANAGER, Role.KANOON_ADMIN)
FINANCE_READERS: tuple[str, ...] = (*OFFICE_WORKERS, Role.PROVINCE_ADMIN, Role.KANOON_ADMIN)
STAFF: frozenset[str] = STAFF_ROLES

__all__ = [
    "COUNTER",
    "FINANCE_READERS",
    "MANAGERS",
    "NATIONAL",
    "OFFICE_READERS",
    "OFFICE_WORKERS",
    "OVERSIGHT",
    "STAFF",
    "Scope",
    "can_act_for_office",
    "can_oversee",
    "can_oversee_province",
    "court_officer_province_ids",
    "has_role",
    "is_kanoon",
    "is_office_staff",
    "scope_for",
    "works_at_office",
]


def _signed_in(user: Visitor | None) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_act_for_office(user: Visitor | None, office: Office, *roles: str) -> bool:
    """Does ``user`` hold one of ``roles`` (any role if none given) covering ``office``?"""
    return _signed_in(user) and scope_for(user).can_act_for_office(office, *roles)


def is_office_staff(user: Visitor | None, office: Office) -> bool:
    """A clerk or manager of the office (or of its province / the country, where such a role exists)."""
    return can_act_for_office(user, office, *COUNTER)


def works_at_office(user: Visitor | None, office: Office) -> bool:
    """Anyone whose role is tied to this office: counter staff, mediators, arbitrators, consultants."""
    return can_act_for_office(user, office, *OFFICE_WORKERS)


def can_oversee(user: Visitor | None, office: Office) -> bool:
    """An inspector, province admin or the Kanoon covering the office."""
    return can_act_for_office(user, office, *OVERSIGHT)


def has_role(user: Visitor | None, *roles: str) -> bool:
    return _signed_in(user) and scope_for(user).has(*roles)


def is_kanoon(user: Visitor | None) -> bool:
    return _signed_in(user) and scope_for(user).is_kanoon


def can_oversee_province(user: Visitor | None, province_id: int | None, *roles: str) -> bool:
    """A province admin of that province, or a national role among ``roles`` (default: oversight).

    For work tied to a province before any office exists there (a new office being opened).
    """
    if not _signed_in(user) or province_id is None:
        return False
    scope = scope_for(user)
    roles = roles or OVERSIGHT
    if any(role in scope.national_roles for role in roles):
        return True
    return any(province_id in scope.province_ids.get(role, ()) for role in roles)


def court_officer_province_ids(user: Visitor | None) -> frozenset[int]:
    """The provinces whose enforcement files ``user`` decides as the court's enforcement officer."""
    if not _signed_in(user):
        return frozenset()
    return scope_for(user).province_ids.get(Role.COURT_OFFICER, frozenset())
