"""Who may see what. Every scoped read in Tanzim starts from ``scope_for(user)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from tanzim.accounts.choices import STAFF_ROLES, Role
from tanzim.accounts.models import ApiToken, RoleAssignment, User

if TYPE_CHECKING:
    from tanzim.offices.models import Office

# Whoever makes a request: a signed-in user or an anonymous visitor (``request.user``).
Visitor = User | AnonymousUser


def active_roles(user: Visitor | None) -> QuerySet[RoleAssignment]:
    if not isinstance(user, User) or not user.is_authenticated:
        return RoleAssignment.objects.none()
    now = timezone.now()
    return (
        RoleAssignment.objects.filter(user=user, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .select_related("office", "province")
    )


@dataclass(frozen=True)
class Scope:
    """The offices a user acts for, per role, derived from their active role assignments."""

    roles: frozenset[str] = frozenset()
    national_roles: frozenset[str] = frozenset()
    province_ids: dict[str, frozenset[int]] = field(default_factory=dict)
    office_ids: dict[str, frozenset[int]] = field(default_factory=dict)

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_kanoon(self) -> bool:
        return Role.KANOON_ADMIN in self.roles

    def offices_q(self, *roles: str, field_name: str = "office") -> Q:
        """A filter on ``field_name`` (an FK to Office) matching the offices these roles reach."""
        roles = roles or tuple(self.roles)
        if any(role in self.national_roles for role in roles):
            # Not Q(): an empty Q vanishes when OR-ed with another condition.
            return Q(**{f"{field_name}__isnull": False})
        condition = Q(pk__in=[])
        offices: set[int] = set().union(*(self.office_ids.get(role, ()) for role in roles))
        provinces: set[int] = set().union(*(self.province_ids.get(role, ()) for role in roles))
        if offices:
            condition |= Q(**{f"{field_name}_id__in": sorted(offices)})
        if provinces:
            condition |= Q(**{f"{field_name}__province_id__in": sorted(provinces)})
        return condition

    def can_act_for_office(self, office: Office, *roles: str) -> bool:
        roles = roles or tuple(self.roles)
        if any(role in self.national_roles for role in roles):
            return True
        return any(office.pk in self.office_ids.get(r, ()) for r in roles) or any(
            office.province_id in self.province_ids.get(r, ()) for r in roles
        )


def scope_for(user: Visitor | None) -> Scope:
    roles: set[str] = set()
    national: set[str] = set()
    provinces: dict[str, set[int]] = {}
    offices: dict[str, set[int]] = {}
    for assignment in active_roles(user):
        roles.add(assignment.role)
        if assignment.office_id:
            offices.setdefault(assignment.role, set()).add(assignment.office_id)
        elif assignment.province_id:
            provinces.setdefault(assignment.role, set()).add(assignment.province_id)
        elif assignment.role != Role.CITIZEN:
            national.add(assignment.role)
    if getattr(user, "is_superuser", False):
        roles.add(Role.KANOON_ADMIN)
        national.add(Role.KANOON_ADMIN)
    return Scope(
        roles=frozenset(roles),
        national_roles=frozenset(national),
        province_ids={k: frozenset(v) for k, v in provinces.items()},
        office_ids={k: frozenset(v) for k, v in offices.items()},
    )


def home_kind(user: Visitor) -> str:
    """Which home page a user lands on: kanoon, province, office, or citizen."""
    scope = scope_for(user)
    if scope.is_kanoon or scope.has(Role.INSPECTOR, Role.PARTNER):
        return "kanoon"
    if scope.has(Role.PROVINCE_ADMIN):
        return "province"
    if scope.is_staff_member:
        return "office"
    return "citizen"


def api_token_list(user: Visitor | None) -> QuerySet[ApiToken]:
    """The user's live API tokens (neither expired nor revoked), newest first."""
    if not isinstance(user, User) or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-pk")[:100]
