"""Reads of partners and referrals, scoped to the acting user (outside the scope: the same 404).

Who sees a referral: the referring office's counter staff (they also enter a partner's moves for a
partner without a system), the partner's staff (``PartnerMember``; a branch member only their
branch's files), those overseeing the office, and the citizen whose file it is. A partner's
staff see nothing of a referral until it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import COUNTER, OVERSIGHT, can_oversee, has_role, is_office_staff, scope_for
from tanzim.common.errors import NotFoundError
from tanzim.partners.choices import AT_PARTNER, ReferralStatus
from tanzim.partners.models import ApiKey, Branch, Delivery, Partner, PartnerMember, Referral, ReferralKind

NOT_SENT = (ReferralStatus.PREPARED, ReferralStatus.CANCELLED)


def referral_not_found() -> NotFoundError:
    return NotFoundError(_("Referral not found."), code="referral_not_found")


@dataclass(frozen=True)
class Access:
    """What a user is to one referral; nothing at all means a 404."""

    staff: bool = False
    partner: bool = False
    reader: bool = False
    citizen: bool = False

    @property
    def any(self) -> bool:
        return self.staff or self.partner or self.reader or self.citizen


def memberships_for(user: Any) -> QuerySet[PartnerMember]:
    if not getattr(user, "is_authenticated", False) or not has_role(user, Role.PARTNER):
        return PartnerMember.objects.none()
    return PartnerMember.objects.filter(user=user, active=True, partner__active=True).select_related(
        "partner", "branch"
    )


def _member_of(user: Any, referral: Referral) -> bool:
    return any(
        m.partner_id == referral.partner_id and m.branch_id in (None, referral.branch_id)
        for m in memberships_for(user)
    )


def access_for(*, referral: Referral, user: Any) -> Access:
    if not getattr(user, "is_authenticated", False):
        return Access()
    return Access(
        staff=is_office_staff(user, referral.office),
        partner=referral.status not in NOT_SENT and _member_of(user, referral),
        reader=can_oversee(user, referral.office),
        citizen=referral.citizen_id is not None and referral.citizen_id == user.pk,
    )


def _base() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "office", "partner", "branch", "branch__city", "kind", "dispute", "case", "citizen"
    )


def _visible(user: Any) -> Q:
    scope = scope_for(user)
    condition = Q(citizen=user)
    roles = [role for role in (*COUNTER, *OVERSIGHT) if scope.has(role)]
    if roles:
        condition |= scope.offices_q(*roles)
    members = PartnerMember.objects.filter(
        user=user, active=True, partner__active=True, partner=OuterRef("partner")
    )
    if has_role(user, Role.PARTNER):
        branch_ok = members.filter(Q(branch__isnull=True) | Q(branch=OuterRef("branch")))
        condition |= Q(Exists(branch_ok)) & ~Q(status__in=NOT_SENT)
    return condition


def referral_list_for(*, user: Any) -> QuerySet[Referral]:
    """Every referral the user may see, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Referral.objects.none()
    rows = _base().filter(_visible(user))
    return rows.order_by("-created_at", "-pk")


def referral_get_for(*, user: Any, pk: Any) -> tuple[Referral, Access]:
    text = str(pk)
    if not text.isdigit() or len(text) > 18:
        raise referral_not_found()
    referral = _base().filter(pk=int(text)).first()
    if referral is None:
        raise referral_not_found()
    access = access_for(referral=referral, user=user)
    if not access.any:
        raise referral_not_found()
    return referral, access


def partner_desk_for(*, user: Any) -> QuerySet[Referral]:
    """The referrals addressed to a partner member's partner (or branch), open ones first."""
    members = list(memberships_for(user))
    if not members:
        return Referral.objects.none()
    condition = Q(pk__in=[])
    for m in members:
        condition |= Q(partner_id=m.partner_id) & (Q() if m.branch_id is None else Q(branch_id=m.branch_id))
    return _base().filter(condition).exclude(status__in=NOT_SENT).order_by("outcome_due_at", "pk")


def office_referrals_for(*, user: Any) -> QuerySet[Referral]:
    """The referrals of the offices where the user is counter staff."""
    scope = scope_for(user)
    if not scope.has(*COUNTER):
        return Referral.objects.none()
    return _base().filter(scope.offices_q(*COUNTER))


def citizen_referrals_for(*, user: Any) -> QuerySet[Referral]:
    if not getattr(user, "is_authenticated", False):
        return Referral.objects.none()
    return _base().filter(citizen=user).exclude(status=ReferralStatus.CANCELLED)


def is_overdue(referral: Referral, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if referral.status == ReferralStatus.SENT and referral.ack_due_at:
        return referral.ack_due_at < now
    return bool(referral.status in AT_PARTNER and referral.outcome_due_at and referral.outcome_due_at < now)


def partners_list() -> QuerySet[Partner]:
    return Partner.objects.filter(active=True).prefetch_related("branches", "referral_kinds__checklist")


def kinds_for_choice() -> QuerySet[ReferralKind]:
    return ReferralKind.objects.filter(active=True, partner__active=True).select_related("partner")


def nearest_branch(*, partner: Partner, office: Any) -> Branch | None:
    """The partner's active branch nearest the office: same city, else by straight-line distance."""
    branches = list(partner.branches.filter(active=True).select_related("city"))
    if not branches:
        return None

    return min(branches, key=lambda branch: _distance(branch, office))


def kind_nearest(*, partner_kind: str, office: Any) -> tuple[ReferralKind, Branch] | None:
    """The active referral kind of a partner of ``partner_kind`` whose nearest branch is nearest
    the office, with that branch; None if no such partner has an active branch."""
    best: tuple[tuple[int, float], ReferralKind, Branch] | None = None
    kinds = kinds_for_choice().filter(partner__kind=partner_kind).order_by("partner__code", "code")
    seen: dict[int, Branch | None] = {}
    for kind in kinds:
        if kind.partner_id not in seen:
            seen[kind.partner_id] = nearest_branch(partner=kind.partner, office=office)
        branch = seen[kind.partner_id]
        if branch is None:
            continue
        key = _distance(branch, office)
        if best is None or key < best[0]:
            best = (key, kind, branch)
    return None if best is None else (best[1], best[2])


def _distance(branch: Branch, office: Any) -> tuple[int, float]:
    same = 0 if branch.city_id == office.city_id else 1
    d = (branch.city.latitude - office.latitude) ** 2 + (branch.city.longitude - office.longitude) ** 2
    return same, d


def api_keys_for(*, partner: Partner) -> QuerySet[ApiKey]:
    return partner.api_keys.all()


def dead_letters(*, user: Any) -> QuerySet[Delivery]:
    from tanzim.accounts.permissions import is_kanoon

    if not is_kanoon(user):
        return Delivery.objects.none()
    return Delivery.objects.filter(status="dead").select_related("partner", "referral").order_by("-dead_at")
