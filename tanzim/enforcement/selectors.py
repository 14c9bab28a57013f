"""Reads, scoped to the acting user: a file outside their scope is the same 404 as a missing one."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tanzim.accounts.permissions import COUNTER, OVERSIGHT, scope_for
from tanzim.common.errors import NotFoundError
from tanzim.enforcement import access
from tanzim.enforcement.choices import AuctionStatus, FileStatus, TaskStatus
from tanzim.enforcement.models import Auction, EnforcementFile, FileParty, Task


def files_q(user: Any) -> Q:
    """The files ``user`` may read: their own as a party, their office's, their province's as
    the court officer, and those of the offices they oversee."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for(user)
    # a subquery, not a join: no duplicate rows, so no DISTINCT over the whole country's files
    condition = Q(pk__in=FileParty.objects.filter(user=user).values("file_id"))
    condition |= scope.offices_q(*COUNTER, *OVERSIGHT, field_name="office") if scope.roles else Q(pk__in=[])
    provinces = access.officer_province_ids(user)
    if provinces:
        condition |= Q(province_id__in=sorted(provinces))
    return condition


def file_list_for(*, actor: Any, status: str | None = None, search: str = "") -> QuerySet[EnforcementFile]:
    rows = EnforcementFile.objects.filter(files_q(actor))
    if status in FileStatus.values:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(Q(number__icontains=search) | Q(judgment_number__icontains=search))
    return rows.select_related("office", "province").order_by("-created_at")


def file_get_for(*, actor: Any, pk: Any) -> EnforcementFile:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError() from None
    file = EnforcementFile.objects.filter(files_q(actor), pk=pk).select_related("office", "province").first()
    if file is None:
        raise NotFoundError()
    return file


def timeline(file: EnforcementFile) -> list[dict[str, Any]]:
    """Every step of the file with its legal deadline, in order."""
    events: list[dict[str, Any]] = []
    for event in file.events.select_related("actor").order_by("created_at", "pk"):
        events.append(
            {
                "when": event.created_at,
                "what": FileStatus(event.to_status).label,
                "by": event.actor,
                "reason": event.reason,
            }
        )
    for task in file.tasks.order_by("created_at"):
        events.append(
            {
                "when": task.created_at,
                "what": task.get_step_display(),
                "by": task.performed_by,
                "reason": task.get_status_display(),
            }
        )
    for stay in file.stays.all():
        events.append(
            {
                "when": stay.created_at,
                "what": stay.get_reason_display(),
                "by": stay.ordered_by,
                "reason": stay.get_status_display(),
            }
        )
    return sorted(events, key=lambda e: e["when"])


def deadlines(file: EnforcementFile) -> list[dict[str, Any]]:
    rows = []
    if file.debtor_window_due:
        rows.append({"what": "debtor_window", "due": file.debtor_window_due})
    if file.insolvency_due:
        rows.append({"what": "insolvency", "due": file.insolvency_due})
    for asset in file.assets.filter(objection_due__isnull=False):
        rows.append({"what": "objection", "due": asset.objection_due, "asset": asset})
    for auction in file.auctions.filter(status=AuctionStatus.AWARDED):
        rows.append({"what": "balance", "due": auction.balance_due, "auction": auction})
        rows.append({"what": "complaints", "due": auction.complaints_until, "auction": auction})
    return rows


def tasks_awaiting_for(*, actor: Any) -> QuerySet[Task]:
    """The office steps waiting for this court officer."""
    provinces = access.officer_province_ids(actor)
    return (
        Task.objects.filter(status=TaskStatus.AWAITING_APPROVAL, file__province_id__in=sorted(provinces))
        .select_related("file", "performed_by")
        .order_by("created_at")
    )


def auction_get_for(*, actor: Any, pk: Any) -> Auction:
    """An auction is public once announced; any signed-in user may read it (to register and bid)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError() from None
    auction = Auction.objects.select_related("file", "asset").filter(pk=pk).first()
    if auction is None or not getattr(actor, "is_authenticated", False):
        raise NotFoundError()
    return auction


def auctions_public() -> QuerySet[Auction]:
    return (
        Auction.objects.filter(status__in=[AuctionStatus.NOTICE, AuctionStatus.OPEN])
        .select_related("asset")
        .order_by("ends_at")
    )
