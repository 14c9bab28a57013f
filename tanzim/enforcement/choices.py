"""The enforcement file's vocabulary: states, steps, outcomes, asset kinds and reason codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JudgmentState(models.TextChoices):
    FINAL = "final", _("Final")
    PROVISIONAL = "provisional", _("Provisionally enforceable")
    NOT_FINAL = "not_final", _("Not final")


class FileStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    WRIT_ISSUED = "writ_issued", _("Writ issued")
    SERVED = "served", _("Writ served")
    ENFORCING = "enforcing", _("Enforcing (assets)")
    INSTALMENTS = "instalments", _("Paying by instalments")
    DISTRIBUTING = "distributing", _("Distributing the money")
    CLOSED = "closed", _("Closed")


FILE_ALLOWED: dict[str, frozenset[str]] = {
    FileStatus.REQUESTED: frozenset({FileStatus.WRIT_ISSUED, FileStatus.CLOSED}),
    FileStatus.WRIT_ISSUED: frozenset({FileStatus.SERVED, FileStatus.CLOSED}),
    FileStatus.SERVED: frozenset(
        {FileStatus.ENFORCING, FileStatus.INSTALMENTS, FileStatus.DISTRIBUTING, FileStatus.CLOSED}
    ),
    FileStatus.ENFORCING: frozenset({FileStatus.INSTALMENTS, FileStatus.DISTRIBUTING, FileStatus.CLOSED}),
    FileStatus.INSTALMENTS: frozenset({FileStatus.ENFORCING, FileStatus.DISTRIBUTING, FileStatus.CLOSED}),
    FileStatus.DISTRIBUTING: frozenset({FileStatus.ENFORCING, FileStatus.INSTALMENTS, FileStatus.CLOSED}),
    FileStatus.CLOSED: frozenset(),
}
OPEN_STATUSES = tuple(s for s in FileStatus.values if s != FileStatus.CLOSED)


class Outcome(models.TextChoices):
    PAID_IN_FULL = "paid_in_full", _("Paid in full")
    PAID_BY_INSTALMENTS = "paid_by_instalments", _("Paid by instalments")
    SETTLED = "settled", _("Settled between the parties")
    INSOLVENCY = "insolvency", _("Insolvency")
    RETURNED = "returned", _("Returned to the court")


class PartyRole(models.TextChoices):
    CREDITOR = "creditor", _("Creditor")
    DEBTOR = "debtor", _("Debtor")


class StayReason(models.TextChoices):
    """Why enforcement stops for a while (CJEA 24: only a court order or the creditor's consent)."""

    COURT_ORDER = "court_order", _("Court order (objection, retrial, appeal to the Supreme Court)")
    CREDITOR_CONSENT = "creditor_consent", _("The creditor's written consent")
    THIRD_PARTY_CLAIM = "third_party_claim", _("A third party claims the seized property")
    DEBTOR_DEATH = "debtor_death", _("The debtor died (heirs to be served)")
    INSOLVENCY_CLAIM = "insolvency_claim", _("Insolvency claim being heard")


class StayStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    LIFTED = "lifted", _("Lifted")


STAY_ALLOWED: dict[str, frozenset[str]] = {
    StayStatus.ACTIVE: frozenset({StayStatus.LIFTED}),
    StayStatus.LIFTED: frozenset(),
}


class Step(models.TextChoices):
    """The tasks the court's enforcement unit may hand to a pilot office (a setting per province)."""

    SERVICE = "service", _("Serving the writ")
    ASSET_LIST = "asset_list", _("Checking the debtor's asset list")
    INQUIRY = "inquiry", _("Asset inquiries")
    SEIZURE = "seizure", _("Seizure record")
    VALUATION = "valuation", _("Valuation")
    AUCTION = "auction", _("Auction")
    DISTRIBUTION = "distribution", _("Distribution schedule")


class TaskStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting", _("Awaiting the court officer")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected by the court officer")


TASK_ALLOWED: dict[str, frozenset[str]] = {
    TaskStatus.AWAITING_APPROVAL: frozenset({TaskStatus.DONE, TaskStatus.REJECTED}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.REJECTED: frozenset(),
}


class Performer(models.TextChoices):
    OFFICE = "office", _("Pilot office")
    COURT = "court", _("Court enforcement unit")


class AssetKind(models.TextChoices):
    ACCOUNT = "account", _("Bank account")
    LAND = "land", _("Land or building")
    VEHICLE = "vehicle", _("Vehicle")
    SALARY = "salary", _("Salary or pension")
    MOVABLE = "movable", _("Movable property")


class FoundBy(models.TextChoices):
    DEBTOR = "debtor", _("Named by the debtor")
    CREDITOR = "creditor", _("Named by the creditor")
    INQUIRY = "inquiry", _("Found by an inquiry")


class AssetStatus(models.TextChoices):
    LISTED = "listed", _("Listed")
    SEIZED = "seized", _("Seized")
    VALUED = "valued", _("Valued")
    AT_AUCTION = "at_auction", _("At auction")
    SOLD = "sold", _("Sold")
    TAKEN = "taken", _("Taken by the creditor at its valuation")
    RELEASED = "released", _("Released")


ASSET_ALLOWED: dict[str, frozenset[str]] = {
    AssetStatus.LISTED: frozenset({AssetStatus.SEIZED, AssetStatus.RELEASED}),
    AssetStatus.SEIZED: frozenset({AssetStatus.VALUED, AssetStatus.SOLD, AssetStatus.RELEASED}),
    AssetStatus.VALUED: frozenset({AssetStatus.AT_AUCTION, AssetStatus.TAKEN, AssetStatus.RELEASED}),
    AssetStatus.AT_AUCTION: frozenset({AssetStatus.SOLD, AssetStatus.VALUED, AssetStatus.RELEASED}),
    AssetStatus.SOLD: frozenset(),
    AssetStatus.TAKEN: frozenset(),
    AssetStatus.RELEASED: frozenset(),
}


class ObjectionStatus(models.TextChoices):
    NONE = "", _("No objection")
    PENDING = "pending", _("Objection before the court")
    UPHELD = "upheld", _("Upheld: valued again")
    DISMISSED = "dismissed", _("Dismissed")


class Agency(models.TextChoices):
    BANKS = "banks", _("Banks (all accounts)")
    LAND_REGISTRY = "land_registry", _("Land registry")
    VEHICLES = "vehicles", _("Traffic police (vehicles)")
    MUNICIPALITY = "municipality", _("Municipalities")


class InquiryStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    FAILED = "failed", _("Failed")


INQUIRY_ALLOWED: dict[str, frozenset[str]] = {
    InquiryStatus.SENT: frozenset({InquiryStatus.ANSWERED, InquiryStatus.FAILED}),
    InquiryStatus.FAILED: frozenset({InquiryStatus.SENT}),
    InquiryStatus.ANSWERED: frozenset(),
}


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    GRANTED = "granted", _("Granted by the court")
    REFUSED = "refused", _("Refused")
    COMPLETED = "completed", _("Paid off")
    DEFAULTED = "defaulted", _("Defaulted")


PLAN_ALLOWED: dict[str, frozenset[str]] = {
    PlanStatus.PROPOSED: frozenset({PlanStatus.GRANTED, PlanStatus.REFUSED}),
    PlanStatus.GRANTED: frozenset({PlanStatus.COMPLETED, PlanStatus.DEFAULTED}),
    PlanStatus.REFUSED: frozenset(),
    PlanStatus.COMPLETED: frozenset(),
    PlanStatus.DEFAULTED: frozenset(),
}


class CollectionSource(models.TextChoices):
    DEBTOR_PAYMENT = "debtor_payment", _("Paid by the debtor")
    INSTALMENT = "instalment", _("Instalment")
    ACCOUNT = "account", _("Seized bank balance")
    SALARY = "salary", _("Salary garnishment")
    AUCTION = "auction", _("Auction proceeds")
    FORFEITED_DEPOSIT = "forfeited_deposit", _("Forfeited auction deposit")
    SUPERVISED_SALE = "supervised_sale", _("Sale by the debtor under supervision")


class AuctionStatus(models.TextChoices):
    NOTICE = "notice", _("Announced")
    OPEN = "open", _("Bidding")
    AWARDED = "awarded", _("Awarded: balance due")
    NO_BUYER = "no_buyer", _("No buyer")
    COMPLETED = "completed", _("Sold")
    DEFAULTED = "defaulted", _("Buyer defaulted")
    ANNULLED = "annulled", _("Annulled on a complaint")


AUCTION_ALLOWED: dict[str, frozenset[str]] = {
    AuctionStatus.NOTICE: frozenset({AuctionStatus.OPEN, AuctionStatus.ANNULLED}),
    AuctionStatus.OPEN: frozenset({AuctionStatus.AWARDED, AuctionStatus.NO_BUYER}),
    AuctionStatus.AWARDED: frozenset(
        {AuctionStatus.COMPLETED, AuctionStatus.DEFAULTED, AuctionStatus.ANNULLED}
    ),
    AuctionStatus.COMPLETED: frozenset({AuctionStatus.ANNULLED}),
    AuctionStatus.NO_BUYER: frozenset(),
    AuctionStatus.DEFAULTED: frozenset(),
    AuctionStatus.ANNULLED: frozenset(),
}
RERUN_FROM = (AuctionStatus.NO_BUYER, AuctionStatus.DEFAULTED, AuctionStatus.ANNULLED)


class DepositStatus(models.TextChoices):
    HELD = "held", _("Held")
    REFUNDED = "refunded", _("Refunded")
    APPLIED = "applied", _("Applied to the price")
    FORFEITED = "forfeited", _("Forfeited")


DEPOSIT_ALLOWED: dict[str, frozenset[str]] = {
    DepositStatus.HELD: frozenset({DepositStatus.REFUNDED, DepositStatus.APPLIED, DepositStatus.FORFEITED}),
    DepositStatus.APPLIED: frozenset({DepositStatus.REFUNDED}),
    DepositStatus.REFUNDED: frozenset(),
    DepositStatus.FORFEITED: frozenset(),
}


class ScheduleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PAID = "paid", _("Paid out")
    CANCELLED = "cancelled", _("Cancelled")


SCHEDULE_ALLOWED: dict[str, frozenset[str]] = {
    ScheduleStatus.DRAFT: frozenset({ScheduleStatus.PAID, ScheduleStatus.CANCELLED}),
    ScheduleStatus.PAID: frozenset(),
    ScheduleStatus.CANCELLED: frozenset(),
}


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


COMPLAINT_ALLOWED: dict[str, frozenset[str]] = {
    ComplaintStatus.FILED: frozenset({ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED}),
    ComplaintStatus.UPHELD: frozenset(),
    ComplaintStatus.DISMISSED: frozenset(),
}
