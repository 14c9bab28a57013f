from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """The normal side of an account: assets and expenses grow by debits, the others by credits."""

    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


class AccountOwner(models.TextChoices):
    OFFICE = "office", _("Office")
    KANOON = "kanoon", _("Kanoon")
    JUDICIARY = "judiciary", _("Judiciary")
    CLEARING = "clearing", _("Payment clearing")


class AccountPurpose(models.TextChoices):
    # An office's books.
    FEE_REVENUE = "fee_revenue", _("Office fee revenue")
    SUBSIDY_REVENUE = "subsidy_revenue", _("Fee revenue from free (subsidised) services")
    KANOON_RECEIVABLE = "kanoon_receivable", _("Receivable from the Kanoon (subsidies)")
    KANOON_PAYABLE = "kanoon_payable", _("Payable to the Kanoon (net share)")
    SHARE_EXPENSE = "share_expense", _("Kanoon share")
    # The Kanoon's books.
    SHARE_REVENUE = "share_revenue", _("Share revenue from offices")
    SUBSIDY_EXPENSE = "subsidy_expense", _("Subsidies for free services")
    SHARES_RECEIVABLE = "shares_receivable", _("Net shares receivable from offices")
    SUBSIDIES_PAYABLE = "subsidies_payable", _("Subsidies payable to offices")
    # Collected for the judiciary.
    COURT_FEES = "court_fees", _("Court fees collected for the judiciary")
    # Money held by the payment service providers until it is paid out.
    CLEARING = "clearing", _("Payment clearing")
    # Outreach (missions' costs reimbursed by the Kanoon).
    MISSION_REVENUE = "mission_revenue", _("Mission costs reimbursed by the Kanoon")
    MISSION_EXPENSE = "mission_expense", _("Outreach mission costs")
    # Enforcement of civil judgments: money held for creditors and bidders, the state's fee.
    ENFORCEMENT_HELD = "enforcement_held", _("Enforcement collections held for creditors")
    AUCTION_DEPOSITS = "auction_deposits", _("Auction deposits held")
    ENFORCEMENT_FEES = "enforcement_fees", _("Enforcement fees collected for the judiciary")
    # The Kanoon's services to its members.
    DUES_EXPENSE = "dues_expense", _("Membership dues")
    DUES_REVENUE = "dues_revenue", _("Membership dues from offices")
    LOANS_RECEIVABLE = "loans_receivable", _("Welfare loans receivable")
    LOAN_INTEREST = "loan_interest", _("Welfare loan interest")
    PREMIUM_EXPENSE = "premium_expense", _("Insurance premiums")
    PREMIUMS_PAYABLE = "premiums_payable", _("Insurance premiums payable to the insurer")
    KANOON_PREMIUM_EXPENSE = "kanoon_premium_exp", _("The Kanoon's share of members' insurance premiums")
    GUARANTEES_HELD = "guarantees_held", _("New offices' guarantee deposits held")


# (owner, kind) of every purpose: the chart of accounts in one place.
PURPOSES: dict[str, tuple[str, str]] = {
    AccountPurpose.FEE_REVENUE: (AccountOwner.OFFICE, AccountKind.REVENUE),
    AccountPurpose.SUBSIDY_REVENUE: (AccountOwner.OFFICE, AccountKind.REVENUE),
    AccountPurpose.KANOON_RECEIVABLE: (AccountOwner.OFFICE, AccountKind.ASSET),
    AccountPurpose.KANOON_PAYABLE: (AccountOwner.OFFICE, AccountKind.LIABILITY),
    AccountPurpose.SHARE_EXPENSE: (AccountOwner.OFFICE, AccountKind.EXPENSE),
    AccountPurpose.SHARE_REVENUE: (AccountOwner.KANOON, AccountKind.REVENUE),
    AccountPurpose.SUBSIDY_EXPENSE: (AccountOwner.KANOON, AccountKind.EXPENSE),
    AccountPurpose.SHARES_RECEIVABLE: (AccountOwner.KANOON, AccountKind.ASSET),
    AccountPurpose.SUBSIDIES_PAYABLE: (AccountOwner.KANOON, AccountKind.LIABILITY),
    AccountPurpose.COURT_FEES: (AccountOwner.JUDICIARY, AccountKind.LIABILITY),
    AccountPurpose.CLEARING: (AccountOwner.CLEARING, AccountKind.ASSET),
    AccountPurpose.MISSION_REVENUE: (AccountOwner.OFFICE, AccountKind.REVENUE),
    AccountPurpose.MISSION_EXPENSE: (AccountOwner.KANOON, AccountKind.EXPENSE),
    AccountPurpose.ENFORCEMENT_HELD: (AccountOwner.JUDICIARY, AccountKind.LIABILITY),
    AccountPurpose.AUCTION_DEPOSITS: (AccountOwner.JUDICIARY, AccountKind.LIABILITY),
    AccountPurpose.ENFORCEMENT_FEES: (AccountOwner.JUDICIARY, AccountKind.LIABILITY),
    AccountPurpose.DUES_EXPENSE: (AccountOwner.OFFICE, AccountKind.EXPENSE),
    AccountPurpose.DUES_REVENUE: (AccountOwner.KANOON, AccountKind.REVENUE),
    AccountPurpose.LOANS_RECEIVABLE: (AccountOwner.KANOON, AccountKind.ASSET),
    AccountPurpose.LOAN_INTEREST: (AccountOwner.KANOON, AccountKind.REVENUE),
    AccountPurpose.PREMIUM_EXPENSE: (AccountOwner.OFFICE, AccountKind.EXPENSE),
    AccountPurpose.PREMIUMS_PAYABLE: (AccountOwner.KANOON, AccountKind.LIABILITY),
    AccountPurpose.KANOON_PREMIUM_EXPENSE: (AccountOwner.KANOON, AccountKind.EXPENSE),
    AccountPurpose.GUARANTEES_HELD: (AccountOwner.KANOON, AccountKind.LIABILITY),
}
OFFICE_PURPOSES = tuple(p for p, (owner, _kind) in PURPOSES.items() if owner == AccountOwner.OFFICE)


class TransactionKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    SUBSIDY = "subsidy", _("Subsidy for a free service")
    REFUND = "refund", _("Refund")
    SETTLEMENT = "settlement", _("Monthly Kanoon settlement")
    REVERSAL = "reversal", _("Reversal")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REIMBURSEMENT = "reimbursement", _("Outreach reimbursement")
    ENFORCEMENT = "enforcement", _("Enforcement collection or payout")
    AUCTION = "auction", _("Auction deposit or balance")
    LOAN = "loan", _("Welfare loan or instalment")
    DUES = "dues", _("Membership dues")
    INSURANCE = "insurance", _("Insurance premium")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    CAPTURED = "captured", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class PaymentMethod(models.TextChoices):
    GATEWAY = "gateway", _("Online (payment gateway)")
    POS = "pos", _("Card reader at the counter")
    CASH = "cash", _("Cash at the counter")
    FREE = "free", _("Free service")
    IMPORT = "import", _("Imported")


COUNTER_METHODS = (PaymentMethod.POS, PaymentMethod.CASH)


class PaymentPart(models.TextChoices):
    OFFICE_FEE = "office_fee", _("Office fee")
    COURT_FEE = "court_fee", _("Court fee")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Being returned")
    COMPLETED = "completed", _("Returned")


class GatewayOutcome(models.TextChoices):
    """What a payment service provider reports about one payment session."""

    INITIATED = "initiated", _("Waiting for the payer")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled by the payer")
    TIMEOUT = "timeout", _("Timed out")
    REVERSED = "reversed", _("Reversed")


class Tier(models.TextChoices):
    A = "A", _("Tier A")
    B = "B", _("Tier B")
    C = "C", _("Tier C")
    D = "D", _("Tier D")


class SettlementStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class FreeServiceGround(models.TextChoices):
    """Why a service is free (note to art. 505 of the Civil Procedure Code; the Kanoon's outreach)."""

    RELIEF_COMMITTEE = "relief_committee", _("Client of the Imam Khomeini Relief Committee")
    WELFARE_ALLOWANCE = "welfare_allowance", _("Allowance-receiving client of the Welfare Organisation")
    OUTREACH_MISSION = "outreach_mission", _("Outreach mission approved by the Kanoon")
    KANOON_DECISION = "kanoon_decision", _("Free by a decision of the Kanoon")
