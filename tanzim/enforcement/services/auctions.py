"""The electronic auction (CJEA 128-142): notice, registration with a 10% deposit, bids, an end
that moves when a late bid arrives, the award, the balance within a month, complaints within a
week, re-runs; deposits refunded to the losing bidders.

Postings: deposit Dr CLEARING / Cr AUCTION_DEPOSITS; refund the reverse; the winner's deposit
applied (or forfeited) Dr AUCTION_DEPOSITS / Cr ENFORCEMENT_HELD; the balance Dr CLEARING / Cr
ENFORCEMENT_HELD (all kind AUCTION).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.audit.workflow import transition
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.jalali import tehran_date
from tanzim.common.normalize import normalize_free_text
from tanzim.enforcement import access
from tanzim.enforcement.access import COURT, CREDITOR, DEBTOR, OFFICE
from tanzim.enforcement.choices import (
    AssetStatus,
    AuctionStatus,
    CollectionSource,
    ComplaintStatus,
    DepositStatus,
    ObjectionStatus,
    Step,
)
from tanzim.enforcement.models import Asset, Auction, AuctionComplaint, Bid, EnforcementFile, Registration
from tanzim.enforcement.rules import rules
from tanzim.enforcement.services._common import due, lock_file, require_not_stayed, tell_parties
from tanzim.enforcement.services.auction_pay import payment_refund, registration_refund
from tanzim.enforcement.services.files import handles, step_perform
from tanzim.enforcement.services.money import collection_post
from tanzim.enforcement.workflows import ASSET, AUCTION, COMPLAINT, DEPOSIT
from tanzim.finance.choices import AccountPurpose, TransactionKind
from tanzim.finance.ledger import Line, ledger_post, system_accounts

# --- creating (and re-running) an auction --------------------------------------------------------


def auction_create(*, asset: Asset, actor: Any, starts_at: datetime, ends_at: datetime) -> Any:
    """Announce the sale of a valued asset at its valuation (CJEA 128), after the notice period."""
    if ends_at <= starts_at:
        raise DomainError(
            fields={"ends_at": [_("The auction must end after it starts.")]}, code="auction_window"
        )
    notice = rules()["auction_notice_days"]
    earliest = timezone.now() + timedelta(days=notice)
    if starts_at < earliest - timedelta(minutes=1):
        raise DomainError(
            fields={
                "starts_at": [_("Bidding opens at least %(days)s days after the notice.") % {"days": notice}]
            },
            code="auction_notice",
        )

    def check(locked: EnforcementFile) -> None:
        fresh = Asset.objects.get(pk=asset.pk)
        if fresh.status != AssetStatus.VALUED:
            raise ConflictError(_("Only a valued asset is auctioned."), code="asset_not_valued")
        if fresh.objection_status in (ObjectionStatus.PENDING, ObjectionStatus.UPHELD):
            raise ConflictError(
                _("The valuation is before the court or must be made again."), code="objection_open"
            )
        if (
            fresh.objection_due
            and tehran_date(timezone.now()) <= fresh.objection_due
            and fresh.objection_status == ""
        ):
            raise ConflictError(
                _("The 3 days for objections to the valuation have not passed."), code="objection_window"
            )

    return step_perform(
        file=asset.file,
        step=Step.AUCTION,
        actor=actor,
        payload={"asset": asset.pk, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
        check=check,
    )


@handles(Step.AUCTION)
def _apply_auction(file: EnforcementFile, payload: dict[str, Any], actor: Any) -> Auction:
    asset = Asset.objects.select_for_update().get(pk=payload["asset"], file=file)
    values = rules()
    rounds = Auction.objects.filter(asset=asset).count()
    start = int(asset.value or 0)
    starts_at = datetime.fromisoformat(payload["starts_at"])
    ends_at = datetime.fromisoformat(payload["ends_at"])
    transition(ASSET, asset, AssetStatus.AT_AUCTION, actor=actor, expected_status=AssetStatus.VALUED)
    auction = Auction.objects.create(
        file=file,
        asset=asset,
        round=rounds + 1,
        starting_price=start,
        deposit=max(1, start * values["auction_deposit_bp"] // 10000),
        announced_at=timezone.now(),
        starts_at=starts_at,
        ends_at=ends_at,
        scheduled_end=ends_at,
        extension_minutes=values["auction_extension_minutes"],
        created_by=actor,
    )
    audit.record(
        action="enforcement.auction.notice",
        actor=actor,
        obj=auction,
        office=file.office_id,
        data={"round": auction.round},
    )
    tell_parties(
        file,
        _("an auction of %(asset)s was announced.") % {"asset": asset.description},
        key=f"auction:{auction.pk}",
    )
    return auction


def _lock_auction(auction: Auction | int) -> Auction:
    pk: Any = getattr(auction, "pk", auction)
    return Auction.objects.select_for_update().select_related("file", "asset").get(pk=pk)


def _open_if_due(auction: Auction, now: datetime) -> Auction:
    if auction.status == AuctionStatus.NOTICE and now >= auction.starts_at:
        return transition(AUCTION, auction, AuctionStatus.OPEN, expected_status=AuctionStatus.NOTICE, now=now)
    return auction


# --- registration and bids ----------------------------------------------------------------------


def _deposit_accounts() -> dict[str, Any]:
    return system_accounts(AccountPurpose.CLEARING, AccountPurpose.AUCTION_DEPOSITS)


@transaction.atomic
def registration_create(*, auction: Auction, actor: Any) -> Registration:
    """Register to bid, paying the 10% deposit (CJEA 129); the same bidder twice gets the same row."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError()
    auction = _lock_auction(auction)
    if DEBTOR in access.party_roles(actor, auction.file):
        raise PermissionDeniedError(_("The debtor cannot bid for their own property."))
    existing = Registration.objects.filter(auction=auction, bidder=actor).first()
    if existing is not None:
        return existing
    now = timezone.now()
    if auction.status not in (AuctionStatus.NOTICE, AuctionStatus.OPEN) or now >= auction.ends_at:
        raise ConflictError(_("Registration for this auction is closed."), code="auction_closed")
    accounts = _deposit_accounts()
    txn = ledger_post(
        lines=[
            Line(accounts[AccountPurpose.CLEARING], debit=auction.deposit),
            Line(accounts[AccountPurpose.AUCTION_DEPOSITS], credit=auction.deposit),
        ],
        kind=TransactionKind.AUCTION,
        memo=f"Auction {auction.pk}: deposit",
        reference=("enforcement.auction", str(auction.pk)),
        dedupe_key=f"enforcement.deposit:{auction.pk}:{actor.pk}",
        actor=actor,
        office=auction.file.office_id,
    )
    registration = Registration.objects.create(
        auction=auction, bidder=actor, deposit=auction.deposit, deposit_transaction=txn
    )
    audit.record(
        action="enforcement.deposit.held", actor=actor, obj=registration, office=auction.file.office_id
    )
    return registration


def bid_place(*, auction: Auction, actor: Any, amount: int, now: datetime | None = None) -> Bid:
    """A bid: at least the starting price, above the highest so far, before the end. A bid in the
    last minutes moves the end to that many minutes after it."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(fields={"amount": [_("Enter an amount in whole rials.")]}, code="amount")
    with transaction.atomic():
        auction = _lock_auction(auction)
        now = now or timezone.now()
        registration = Registration.objects.filter(
            auction=auction, bidder=actor, status=DepositStatus.HELD
        ).first()
        if registration is None:
            raise PermissionDeniedError(_("Register with the deposit before bidding."), code="not_registered")
        auction = _open_if_due(auction, now)
        if auction.status != AuctionStatus.OPEN or now < auction.starts_at:
            raise ConflictError(_("Bidding is not open."), code="auction_not_open")
        if now >= auction.ends_at:
            raise DomainError(fields={"amount": [_("Bidding has ended.")]}, code="bid_after_end")
        if amount < auction.starting_price:
            raise DomainError(
                fields={
                    "amount": [
                        _("The starting price is %(price)s rials.") % {"price": auction.starting_price}
                    ]
                },
                code="bid_below_start",
            )
        if amount <= auction.highest_amount:
            raise DomainError(
                fields={
                    "amount": [
                        _("Bid more than the highest bid, %(price)s rials.")
                        % {"price": auction.highest_amount}
                    ]
                },
                code="bid_not_highest",
            )
        bid = Bid.objects.create(auction=auction, registration=registration, amount=amount, placed_at=now)
        window = timedelta(minutes=auction.extension_minutes)
        changes: dict[str, Any] = {"highest_amount": amount}
        if auction.ends_at - now < window:
            changes["ends_at"] = now + window
        Auction.objects.filter(pk=auction.pk).update(**changes)
        audit.record(
            action="enforcement.auction.bid",
            actor=actor,
            obj=auction,
            office=auction.file.office_id,
            data={"amount": amount, "extended": "ends_at" in changes},
        )
    return bid


def _refund(registration: Registration, actor: Any) -> None:
    if registration.payment_id:  # paid online: back to the bidder's card through finance's refund
        registration_refund(registration, actor)
        transition(DEPOSIT, registration, DepositStatus.REFUNDED, actor=actor)
        return
    accounts = _deposit_accounts()
    ledger_post(
        lines=[
            Line(accounts[AccountPurpose.AUCTION_DEPOSITS], debit=registration.deposit),
            Line(accounts[AccountPurpose.CLEARING], credit=registration.deposit),
        ],
        kind=TransactionKind.AUCTION,
        memo=f"Auction {registration.auction_id}: deposit refunded",
        reference=("enforcement.registration", str(registration.pk)),
        dedupe_key=f"enforcement.refund:{registration.pk}",
        actor=actor,
        office=registration.auction.file.office_id,
    )
    transition(DEPOSIT, registration, DepositStatus.REFUNDED, actor=actor)


# --- the end, the balance, default, complaints ------------------------------------------------------


def auction_close(*, auction: Auction, actor: Any = None, now: datetime | None = None) -> Auction:
    """After the end: the highest bidder wins (CJEA 128) and owes the balance within a month;
    the others get their deposits back. No bid: no buyer, the asset waits for a re-run."""
    with transaction.atomic():
        auction = _lock_auction(auction)
        now = now or timezone.now()
        auction = _open_if_due(auction, now)
        if auction.status != AuctionStatus.OPEN:
            raise ConflictError(_("This auction is not bidding."), code="auction_not_open")
        if now < auction.ends_at:
            raise ConflictError(_("Bidding has not ended yet."), code="auction_not_ended")
        top = Bid.objects.filter(auction=auction).order_by("-amount", "placed_at").first()
        if top is None:
            auction = transition(AUCTION, auction, AuctionStatus.NO_BUYER, actor=actor, now=now)
            transition(
                ASSET, auction.asset, AssetStatus.VALUED, actor=actor, expected_status=AssetStatus.AT_AUCTION
            )
            for registration in Registration.objects.filter(
                auction=auction, status=DepositStatus.HELD
            ).select_related("auction__file"):
                _refund(registration, actor)
            tell_parties(auction.file, _("the auction ended with no buyer."), key=f"no_buyer:{auction.pk}")
            return auction
        today = tehran_date(now)
        values = rules()
        auction = transition(
            AUCTION,
            auction,
            AuctionStatus.AWARDED,
            actor=actor,
            now=now,
            changes={
                "winner": top.registration,
                "balance_due": due(today, months=values["auction_balance_months"]),
                "complaints_until": due(today, days=values["complaint_days"]),
            },
        )
        losers = Registration.objects.filter(auction=auction, status=DepositStatus.HELD).exclude(
            pk=top.registration_id
        )
        for registration in losers.select_related("auction__file"):
            _refund(registration, actor)
        tell_parties(
            auction.file,
            _("the auction ended: the highest bid was %(amount)s rials.") % {"amount": top.amount},
            key=f"awarded:{auction.pk}",
        )
    return auction


def balance_pay(*, auction: Auction, actor: Any) -> Auction:
    """The buyer's balance is in: the deposit is applied, the asset is sold, the money is held for
    the creditors. Accepted once the week for complaints has passed with none pending."""
    access.require(actor, auction.file, COURT, OFFICE)
    with transaction.atomic():
        file = lock_file(auction.file_id)
        require_not_stayed(file)
        auction = _lock_auction(auction)
        if auction.status != AuctionStatus.AWARDED or auction.winner_id is None:
            raise ConflictError(_("No balance is due on this auction."), code="no_balance")
        today = tehran_date(timezone.now())
        if auction.complaints_until and today <= auction.complaints_until:
            raise ConflictError(
                _("The week for complaints about the sale has not passed."), code="complaint_window"
            )
        if AuctionComplaint.objects.filter(auction=auction, status=ComplaintStatus.FILED).exists():
            raise ConflictError(
                _("A complaint about the sale is before the court."), code="complaint_pending"
            )
        if auction.balance_due and today > auction.balance_due:
            raise ConflictError(_("The month for the balance has passed."), code="balance_late")
        winner = Registration.objects.select_for_update().get(pk=auction.winner_id)
        collection_post(
            file=file,
            amount=winner.deposit,
            source=CollectionSource.AUCTION,
            actor=actor,
            dedupe_key=f"enforcement.applied:{winner.pk}",
            from_purpose=AccountPurpose.AUCTION_DEPOSITS,
        )
        transition(DEPOSIT, winner, DepositStatus.APPLIED, actor=actor, expected_status=DepositStatus.HELD)
        balance = auction.highest_amount - winner.deposit
        if balance > 0:
            # paid online: the balance waits in AUCTION_DEPOSITS; else the office received it
            collection_post(
                file=file,
                amount=balance,
                source=CollectionSource.AUCTION,
                actor=actor,
                dedupe_key=f"enforcement.balance:{auction.pk}",
                from_purpose=AccountPurpose.AUCTION_DEPOSITS
                if auction.balance_payment_id
                else AccountPurpose.CLEARING,
            )
        transition(
            ASSET, auction.asset, AssetStatus.SOLD, actor=actor, expected_status=AssetStatus.AT_AUCTION
        )
        auction = transition(
            AUCTION, auction, AuctionStatus.COMPLETED, actor=actor, expected_status=AuctionStatus.AWARDED
        )
    return auction


def auction_default(*, auction: Auction, actor: Any = None) -> Auction:
    """The buyer did not pay within the month: the deposit is lost to the file (CJEA 129)."""
    with transaction.atomic():
        file = lock_file(auction.file_id)
        auction = _lock_auction(auction)
        if auction.status != AuctionStatus.AWARDED or not auction.balance_due:
            raise ConflictError(_("No balance is due on this auction."), code="no_balance")
        if tehran_date(timezone.now()) <= auction.balance_due:
            raise ConflictError(_("The month for the balance has not passed."), code="balance_not_late")
        if auction.balance_payment_id:
            raise ConflictError(_("The buyer paid the balance."), code="balance_paid")
        winner_id: Any = auction.winner_id
        winner = Registration.objects.select_for_update().get(pk=winner_id)
        collection_post(
            file=file,
            amount=winner.deposit,
            source=CollectionSource.FORFEITED_DEPOSIT,
            actor=actor,
            dedupe_key=f"enforcement.forfeit:{winner.pk}",
            from_purpose=AccountPurpose.AUCTION_DEPOSITS,
        )
        transition(DEPOSIT, winner, DepositStatus.FORFEITED, actor=actor, expected_status=DepositStatus.HELD)
        transition(
            ASSET, auction.asset, AssetStatus.VALUED, actor=actor, expected_status=AssetStatus.AT_AUCTION
        )
        auction = transition(
            AUCTION, auction, AuctionStatus.DEFAULTED, actor=actor, expected_status=AuctionStatus.AWARDED
        )
    return auction


@transaction.atomic
def complaint_file(*, auction: Auction, actor: Any, text: str) -> AuctionComplaint:
    """A party or a bidder complains about the sale within a week of it (CJEA 136, 142)."""
    auction = _lock_auction(auction)
    is_bidder = Registration.objects.filter(auction=auction, bidder=actor).exists()
    if not (is_bidder or access.party_roles(actor, auction.file) & {DEBTOR, CREDITOR}):
        raise NotFoundError()
    text = normalize_free_text(text).strip()
    if not text:
        raise DomainError(fields={"text": [_("Say what was wrong with the sale.")]}, code="complaint_text")
    if (
        auction.status not in (AuctionStatus.AWARDED, AuctionStatus.COMPLETED)
        or auction.complaints_until is None
    ):
        raise ConflictError(_("There is no sale to complain about."), code="no_sale")
    if tehran_date(timezone.now()) > auction.complaints_until:
        raise DomainError(
            fields={"text": [_("The week for complaints about the sale has passed.")]}, code="complaint_late"
        )
    complaint = AuctionComplaint.objects.create(auction=auction, filed_by=actor, text=text[:1000])
    audit.record(
        action="enforcement.complaint.filed", actor=actor, obj=complaint, office=auction.file.office_id
    )
    return complaint


def complaint_decide(*, complaint: AuctionComplaint, actor: Any, uphold: bool) -> AuctionComplaint:
    """The court decides; an upheld complaint annuls the award and refunds the winner's deposit."""
    with transaction.atomic():
        complaint = transition(
            COMPLAINT,
            complaint,
            ComplaintStatus.UPHELD if uphold else ComplaintStatus.DISMISSED,
            actor=actor,
            expected_status=ComplaintStatus.FILED,
        )
        if uphold:
            auction = _lock_auction(complaint.auction_id)
            if auction.status != AuctionStatus.AWARDED:
                raise ConflictError(_("Only an award not yet paid is annulled here."), code="not_awarded")
            transition(AUCTION, auction, AuctionStatus.ANNULLED, actor=actor)
            transition(
                ASSET, auction.asset, AssetStatus.VALUED, actor=actor, expected_status=AssetStatus.AT_AUCTION
            )
            if auction.winner_id:
                winner_id: Any = auction.winner_id
                _refund(Registration.objects.select_related("auction__file").get(pk=winner_id), actor)
            if auction.balance_payment_id:
                payment_refund(auction.balance_payment, "auction annulled")
    return complaint


def auctions_sweep(now: datetime | None = None) -> int:
    """Open the auctions whose bidding has started, close those that ended, default unpaid balances."""
    now = now or timezone.now()
    moved = 0
    for pk in Auction.objects.filter(status=AuctionStatus.NOTICE, starts_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            auction = _lock_auction(pk)
            if _open_if_due(auction, now).status == AuctionStatus.OPEN:
                moved += 1
    for pk in Auction.objects.filter(status=AuctionStatus.OPEN, ends_at__lte=now).values_list(
        "pk", flat=True
    ):
        try:
            auction_close(auction=Auction(pk=pk), now=now)
            moved += 1
        except ConflictError:
            pass
    today = tehran_date(now)
    for pk in Auction.objects.filter(status=AuctionStatus.AWARDED, balance_due__lt=today).values_list(
        "pk", flat=True
    ):
        try:
            auction_default(auction=Auction.objects.get(pk=pk))
            moved += 1
        except ConflictError:
            pass
    return moved
