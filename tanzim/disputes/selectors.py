"""Reads for disputes, always through the acting user's scope. Outside scope is a 404.

Who sees a dispute: its parties; the clerks and managers of its office; its mediator; the
arbitrators of its arbitration; province administrators, inspectors and the Kanoon for the
offices they oversee. A mediator sees the disputes assigned to them, not the whole office's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.choices import Role
from tanzim.accounts.permissions import COUNTER, OFFICE_READERS, OVERSIGHT
from tanzim.accounts.selectors import scope_for
from tanzim.common.errors import NotFoundError
from tanzim.common.jalali import format_jalali
from tanzim.disputes import rules
from tanzim.disputes.choices import (
    BOARD_ORDER,
    FINAL,
    ArbitrationStatus,
    ArbitratorStatus,
    DisputeStatus,
    PartyRole,
    SessionStatus,
    SettlementStatus,
)
from tanzim.disputes.models import (
    Arbitration,
    Arbitrator,
    Award,
    AwardNotice,
    Dispute,
    DisputeDocument,
    DisputeEvent,
    Party,
    Session,
    Settlement,
)
from tanzim.offices.models import Office

LIVE_ARBITRATOR = (ArbitratorStatus.PROPOSED, ArbitratorStatus.ACCEPTED)


def _not_found() -> NotFoundError:
    return NotFoundError(_("Dispute not found."), code="dispute_not_found")


# --- who is the actor to this dispute -------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What a user is to one dispute; a user who is nothing to it must get a 404."""

    staff: bool = False
    mediator: bool = False
    arbitrator: Arbitrator | None = None
    party: Party | None = None
    reader: bool = False

    @property
    def any(self) -> bool:
        return bool(self.staff or self.mediator or self.arbitrator or self.party or self.reader)

    @property
    def convener(self) -> bool:
        """Runs the dispute's sessions: its mediator or one of its arbitrators."""
        return self.mediator or self.arbitrator is not None

    @property
    def role(self) -> str:
        return self.party.role if self.party else ""


def access_for(*, dispute: Dispute, user: Any) -> Access:
    if user is None or not getattr(user, "is_authenticated", False):
        return Access()
    scope = scope_for(user)
    office = dispute.office
    staff = scope.can_act_for_office(office, *COUNTER) if scope.has(*COUNTER) else False
    reader = scope.can_act_for_office(office, *OVERSIGHT) if scope.has(*OVERSIGHT) else False
    mediator = dispute.mediator_id == user.pk and scope.can_act_for_office(office, Role.MEDIATOR)
    party = next((p for p in dispute.parties.all() if p.user_id == user.pk), None)
    arbitrator = (
        Arbitrator.objects.filter(
            arbitration__dispute=dispute,
            arbitration__status__in=[
                ArbitrationStatus.FORMING,
                ArbitrationStatus.ACTIVE,
                ArbitrationStatus.AWARDED,
            ],
            user=user,
            status__in=LIVE_ARBITRATOR,
        )
        .select_related("arbitration")
        .first()
    )
    return Access(staff=staff, mediator=mediator, arbitrator=arbitrator, party=party, reader=reader)


# --- lists ----------------------------------------------------------------------------------------


def _visible(user: Any) -> Q:
    scope = scope_for(user)
    condition = Q(Exists(Party.objects.filter(dispute=OuterRef("pk"), user=user)))
    roles = [role for role in OFFICE_READERS if scope.has(role)]
    if roles:
        condition |= scope.offices_q(*roles)
    if scope.has(Role.MEDIATOR):
        condition |= Q(mediator=user) & scope.offices_q(Role.MEDIATOR)
    condition |= Q(
        Exists(
            Arbitrator.objects.filter(
                arbitration__dispute=OuterRef("pk"), user=user, status__in=LIVE_ARBITRATOR
            )
        )
    )
    return condition


def dispute_list_for(*, user: Any) -> QuerySet[Dispute]:
    """Every dispute the user may see, with what list pages show."""
    if not getattr(user, "is_authenticated", False):
        return Dispute.objects.none()
    return (
        Dispute.objects.filter(_visible(user))
        .select_related("office", "office__province", "mediator")
        .prefetch_related(Prefetch("parties", queryset=Party.objects.order_by("role")))
    )


def dispute_get_for(*, user: Any, pk: Any) -> Dispute:
    text = str(pk)
    if not text.isdigit() or len(text) > 18:
        raise _not_found()
    dispute = dispute_list_for(user=user).filter(pk=int(text)).first()
    if dispute is None:
        raise _not_found()
    return dispute


def dispute_search_for(*, user: Any, query: str) -> QuerySet[Dispute]:
    from tanzim.common.normalize import digits_only

    digits = digits_only(query or "")
    disputes = dispute_list_for(user=user)
    if len(digits) == 10:
        matching = Party.objects.filter(dispute=OuterRef("pk"), national_code=digits)
        return disputes.filter(Q(reference=digits) | Q(Exists(matching))).order_by("-created_at")
    return disputes.none()


def party_disputes_for(*, user: Any) -> QuerySet[Dispute]:
    """A citizen's own disputes, as claimant or respondent."""
    if not getattr(user, "is_authenticated", False):
        return Dispute.objects.none()
    return (
        Dispute.objects.filter(Exists(Party.objects.filter(dispute=OuterRef("pk"), user=user)))
        .select_related("office")
        .prefetch_related("parties")
        .order_by("-created_at")
    )


# --- the office board -----------------------------------------------------------------------------


@dataclass
class Column:
    status: str
    label: str
    count: int = 0
    overdue: int = 0


@dataclass
class Board:
    columns: list[Column]
    rows: QuerySet[Dispute]
    total: int = 0
    overdue: int = 0
    offices: list = field(default_factory=list)


def board_for(
    *,
    user: Any,
    office_id: int | None = None,
    province_id: int | None = None,
    status: str | None = None,
    overdue_only: bool = False,
    now: datetime | None = None,
) -> Board:
    """Disputes by stage with their counts and the overdue ones; rows most urgent first."""
    now = now or timezone.now()
    disputes = dispute_list_for(user=user)
    if office_id:
        disputes = disputes.filter(office_id=office_id)
    if province_id:
        disputes = disputes.filter(office__province_id=province_id)
    late = Q(due_at__lt=now) & ~Q(status__in=FINAL)
    counts = {
        row["status"]: row
        for row in disputes.order_by().values("status").annotate(n=Count("pk"), late=Count("pk", filter=late))
    }
    columns = [
        Column(
            status=s,
            label=str(DisputeStatus(s).label),
            count=counts.get(s, {}).get("n", 0),
            overdue=counts.get(s, {}).get("late", 0),
        )
        for s in BOARD_ORDER
    ]
    rows = (
        disputes.filter(status=status)
        if status in DisputeStatus.values
        else disputes.exclude(status__in=FINAL)
    )
    if overdue_only:
        rows = rows.filter(late)
    rows = rows.order_by(F("due_at").asc(nulls_last=True), "created_at", "pk")
    return Board(
        columns=columns,
        rows=rows,
        total=sum(c.count for c in columns),
        overdue=sum(c.overdue for c in columns),
    )


def board_office_for(*, user: Any, code: str) -> int:
    """The id of the office whose board ``user`` asked for by its code.

    An office is on the user's board when they read its files (its clerks and managers, and the
    oversight roles covering it), mediate there, or are a party to one of its disputes. An unknown
    code and an office outside that scope are the same 404, so the board never tells them apart.
    """
    office = Office.objects.filter(code=code).first() if code else None
    if office is None:
        raise NotFoundError(_("Unknown office."), code="unknown_office")
    scope = scope_for(user)
    if scope.can_act_for_office(office, *OFFICE_READERS, Role.MEDIATOR):
        return office.pk
    if dispute_list_for(user=user).filter(office=office).exists():
        return office.pk
    raise NotFoundError(_("Unknown office."), code="unknown_office")


def is_overdue(dispute: Dispute, *, now: datetime | None = None) -> bool:
    return bool(dispute.due_at and dispute.status not in FINAL and dispute.due_at < (now or timezone.now()))


# --- dockets of mediators and arbitrators ---------------------------------------------------------


def docket_for(*, user: Any) -> QuerySet[Dispute]:
    """The disputes a mediator or arbitrator works on, open ones first by deadline."""
    if not getattr(user, "is_authenticated", False):
        return Dispute.objects.none()
    scope = scope_for(user)
    mine = Q(
        Exists(
            Arbitrator.objects.filter(
                arbitration__dispute=OuterRef("pk"), user=user, status__in=LIVE_ARBITRATOR
            )
        )
    )
    if scope.has(Role.MEDIATOR):
        mine |= Q(mediator=user) & scope.offices_q(Role.MEDIATOR)
    return (
        Dispute.objects.filter(mine)
        .select_related("office")
        .prefetch_related("parties")
        .order_by(F("concluded_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "pk")
    )


def sessions_for(*, user: Any, upcoming: bool = True, now: datetime | None = None) -> QuerySet[Session]:
    """Sessions the user convenes or attends as a party."""
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        return Session.objects.none()
    sessions = Session.objects.filter(
        Q(convener=user) | Q(Exists(Party.objects.filter(dispute=OuterRef("dispute"), user=user)))
    ).select_related("dispute", "dispute__office", "convener")
    if upcoming:
        return sessions.filter(status=SessionStatus.SCHEDULED, ends_at__gte=now).order_by("starts_at")
    return sessions.order_by("-starts_at")


# --- one dispute's parts --------------------------------------------------------------------------


def dispute_events(*, dispute: Dispute) -> QuerySet[DisputeEvent]:
    return dispute.events.select_related("actor", "on_behalf_of").order_by("created_at", "pk")


def live_settlement(*, dispute: Dispute) -> Settlement | None:
    return (
        dispute.settlements.exclude(status=SettlementStatus.VOIDED)
        .prefetch_related("obligations__obligor", "signatures__party")
        .first()
    )


def signed_settlement(*, dispute: Dispute) -> Settlement | None:
    return dispute.settlements.filter(status=SettlementStatus.SIGNED).first()


def live_arbitration(*, dispute: Dispute) -> Arbitration | None:
    return (
        dispute.arbitrations.filter(
            status__in=[ArbitrationStatus.FORMING, ArbitrationStatus.ACTIVE, ArbitrationStatus.AWARDED]
        )
        .prefetch_related("arbitrators")
        .order_by("-created_at")
        .first()
    )


def documents_for(*, dispute: Dispute, access: Access) -> QuerySet[DisputeDocument]:
    """Office-side people see every document; a party sees shared ones and their own."""
    documents = dispute.documents.select_related("provided_by")
    if access.staff or access.convener or access.reader:
        return documents
    if access.party:
        return documents.filter(Q(shared=True) | Q(provided_by=access.party))
    return documents.none()


def document_open_for(*, user: Any, dispute: Dispute, document_id: Any) -> DisputeDocument:
    """A confidential read: scoped like the dispute, and logged."""
    from tanzim.audit import services as audit

    access = access_for(dispute=dispute, user=user)
    text = str(document_id)
    document = (
        documents_for(dispute=dispute, access=access).filter(pk=int(text)).first()
        if text.isdigit() and len(text) < 18
        else None
    )
    if document is None:
        raise NotFoundError()
    audit.record_read(actor=user, obj=document, office=dispute.office_id, purpose="dispute document")
    return document


def party_of(*, dispute: Dispute, role: str) -> Party:
    found = next((p for p in dispute.parties.all() if p.role == role), None)
    if found is None:
        raise NotFoundError(_("This dispute has no such party."), code="party_not_found")
    return found


def claimant_of(dispute: Dispute) -> Party:
    return party_of(dispute=dispute, role=PartyRole.CLAIMANT)


def respondent_of(dispute: Dispute) -> Party:
    return party_of(dispute=dispute, role=PartyRole.RESPONDENT)


# --- the award: each party's own deadlines -------------------------------------------------------


def award_deadlines_for(*, award: Award) -> list[dict[str, Any]]:
    """Each party's notice and own deadlines (arts. 485, 488, 490), or ``awaiting_notice``; with
    whether each date may still move (``rules.date_certainty``)."""
    notices = {n.party_id: n for n in award.notices.all()}
    rows = []
    cal = rules.calendar()
    for party in award.arbitration.dispute.parties.all():
        notice: AwardNotice | None = notices.get(party.pk)
        binds = award.in_favour_of_id != party.pk
        if notice is None:
            rows.append(
                {
                    "party": party.role,
                    "awaiting_notice": True,
                    "notified_on": None,
                    "method": None,
                    "resident_abroad": party.resident_abroad,
                    "must_comply": binds,
                    "compliance_due": None,
                    "compliance_due_jalali": None,
                    "compliance_due_uncertain": False,
                    "annulment_due": None,
                    "annulment_due_jalali": None,
                    "annulment_due_uncertain": False,
                    "holiday_table": [],
                }
            )
            continue
        comply = rules.date_certainty(notice.notified_on, notice.compliance_due, cal=cal)
        annul = rules.date_certainty(notice.notified_on, notice.annulment_due, cal=cal)
        years = dict(comply.years) | dict(annul.years)
        rows.append(
            {
                "party": party.role,
                "awaiting_notice": False,
                "notified_on": notice.notified_on,
                "method": notice.method,
                "resident_abroad": notice.resident_abroad,
                "must_comply": binds,
                "compliance_due": notice.compliance_due if binds else None,
                "compliance_due_jalali": format_jalali(notice.compliance_due, persian_digits=False)
                if binds
                else None,
                "compliance_due_uncertain": comply.uncertain if binds else False,
                "annulment_due": notice.annulment_due,
                "annulment_due_jalali": format_jalali(notice.annulment_due, persian_digits=False),
                "annulment_due_uncertain": annul.uncertain,
                "holiday_table": [{"year": y, "status": st} for y, st in sorted(years.items())],
            }
        )
    return rows
