"""The enforcement app's workflows, declared for the engine (``tanzim.audit.workflow``).

Every move names the kinds of actor who may make it (``court``: the province's court enforcement
officer; ``office``: the pilot office's counter staff; ``debtor``/``creditor``: the parties;
``system``: sweeps and payment callbacks, with no actor). A move not listed is open to the court
and the office. Services check the step's pilot setting before they ask for a move.
"""

from __future__ import annotations

from typing import Any

from tanzim.audit.workflow import Workflow
from tanzim.common.errors import PermissionDeniedError
from tanzim.enforcement import access
from tanzim.enforcement.access import COURT, CREDITOR, DEBTOR, OFFICE, SYSTEM
from tanzim.enforcement.choices import (
    ASSET_ALLOWED,
    AUCTION_ALLOWED,
    COMPLAINT_ALLOWED,
    DEPOSIT_ALLOWED,
    FILE_ALLOWED,
    INQUIRY_ALLOWED,
    PLAN_ALLOWED,
    SCHEDULE_ALLOWED,
    STAY_ALLOWED,
    TASK_ALLOWED,
    AssetStatus,
    AuctionStatus,
    ComplaintStatus,
    DepositStatus,
    FileStatus,
    PlanStatus,
    StayStatus,
    TaskStatus,
)
from tanzim.enforcement.models import (
    Asset,
    AssetEvent,
    AssetInquiry,
    Auction,
    AuctionComplaint,
    EnforcementFile,
    FileEvent,
    InstalmentPlan,
    Registration,
    Schedule,
    Stay,
    Task,
)

WORKERS = frozenset({COURT, OFFICE, SYSTEM})
COURT_ONLY = frozenset({COURT, SYSTEM})


def _file_of(obj: Any) -> EnforcementFile:
    if isinstance(obj, EnforcementFile):
        return obj
    if isinstance(obj, Registration):
        return obj.auction.file
    if isinstance(obj, AuctionComplaint):
        return obj.auction.file
    return obj.file


def _authorize(obj: Any, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    allowed = kinds or WORKERS
    if not access.kinds_of(actor, _file_of(obj)) & allowed:
        raise PermissionDeniedError()


def _office(obj: Any) -> int:
    return _file_of(obj).office_id


FILE: Workflow[EnforcementFile] = Workflow(
    name="enforcement.file",
    model=EnforcementFile,
    table=FILE_ALLOWED,
    movers={
        FileStatus.WRIT_ISSUED: frozenset({COURT}),
        FileStatus.INSTALMENTS: COURT_ONLY,
        FileStatus.CLOSED: WORKERS,
    },
    authorize=_authorize,
    stamps={
        "*": "status_changed_at",
        FileStatus.WRIT_ISSUED: "writ_issued_at",
        FileStatus.CLOSED: "closed_at",
    },
    event_model=FileEvent,
    event_link=lambda f: {"file": f},
    office=_office,
)

STAY: Workflow[Stay] = Workflow(
    name="enforcement.stay",
    model=Stay,
    table=STAY_ALLOWED,
    movers={StayStatus.LIFTED: COURT_ONLY},
    authorize=_authorize,
    stamps={"*": "status_changed_at", StayStatus.LIFTED: "lifted_at"},
    office=_office,
)

TASK: Workflow[Task] = Workflow(
    name="enforcement.task",
    model=Task,
    table=TASK_ALLOWED,
    movers={TaskStatus.DONE: frozenset({COURT}), TaskStatus.REJECTED: frozenset({COURT})},
    authorize=_authorize,
    stamps={"*": "status_changed_at"},
    office=_office,
)

ASSET: Workflow[Asset] = Workflow(
    name="enforcement.asset",
    model=Asset,
    table=ASSET_ALLOWED,
    movers={
        AssetStatus.RELEASED: COURT_ONLY,
        AssetStatus.TAKEN: frozenset({COURT, CREDITOR}),
    },
    authorize=_authorize,
    stamps={"*": "status_changed_at", AssetStatus.SEIZED: "seized_at"},
    event_model=AssetEvent,
    event_link=lambda a: {"asset": a},
    office=_office,
)

INQUIRY: Workflow[AssetInquiry] = Workflow(
    name="enforcement.inquiry",
    model=AssetInquiry,
    table=INQUIRY_ALLOWED,
    authorize=_authorize,
    stamps={"*": "status_changed_at"},
    office=_office,
)

PLAN: Workflow[InstalmentPlan] = Workflow(
    name="enforcement.plan",
    model=InstalmentPlan,
    table=PLAN_ALLOWED,
    movers={PlanStatus.GRANTED: COURT_ONLY, PlanStatus.REFUSED: COURT_ONLY},
    authorize=_authorize,
    stamps={"*": "status_changed_at"},
    office=_office,
)

AUCTION: Workflow[Auction] = Workflow(
    name="enforcement.auction",
    model=Auction,
    table=AUCTION_ALLOWED,
    movers={AuctionStatus.ANNULLED: COURT_ONLY},
    authorize=_authorize,
    stamps={"*": "status_changed_at", AuctionStatus.AWARDED: "awarded_at"},
    office=_office,
)

DEPOSIT: Workflow[Registration] = Workflow(
    name="enforcement.deposit",
    model=Registration,
    table=DEPOSIT_ALLOWED,
    authorize=_authorize,
    stamps={"*": "status_changed_at"},
    office=_office,
)

SCHEDULE: Workflow[Schedule] = Workflow(
    name="enforcement.schedule",
    model=Schedule,
    table=SCHEDULE_ALLOWED,
    authorize=_authorize,
    stamps={"*": "status_changed_at"},
    office=_office,
)

COMPLAINT: Workflow[AuctionComplaint] = Workflow(
    name="enforcement.complaint",
    model=AuctionComplaint,
    table=COMPLAINT_ALLOWED,
    movers={ComplaintStatus.UPHELD: frozenset({COURT}), ComplaintStatus.DISMISSED: frozenset({COURT})},
    authorize=_authorize,
    stamps={"*": "status_changed_at"},
    office=_office,
)

__all__ = [
    "ASSET",
    "AUCTION",
    "COMPLAINT",
    "DEBTOR",
    "DEPOSIT",
    "FILE",
    "INQUIRY",
    "PLAN",
    "SCHEDULE",
    "STAY",
    "TASK",
    "DepositStatus",
]
