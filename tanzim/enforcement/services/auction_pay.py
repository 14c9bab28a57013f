"""Auction money through the bank gateway: the bidder's 10% deposit and the winner's balance.

Both are held money (``payment_create_held``, AUCTION_DEPOSITS): the capture posts Dr CLEARING /
Cr AUCTION_DEPOSITS. The captured payment's transaction becomes the registration's deposit (once per
payment); the balance waits in AUCTION_DEPOSITS until the sale completes (``balance_pay`` moves it to
ENFORCEMENT_HELD). A losing bidder's deposit goes back through ``refund_create`` (to the card at the
bank); money that arrives too late (the auction closed meanwhile, a second deposit of the same
bidder, a balance after an annulment) is refunded at once.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tanzim.audit import services as audit
from tanzim.common.errors import ConflictError, PermissionDeniedError
from tanzim.common.jalali import tehran_date
from tanzim.enforcement import access
from tanzim.enforcement.access import DEBTOR
from tanzim.enforcement.choices import AuctionStatus
from tanzim.enforcement.models import Auction, Registration
from tanzim.finance.choices import AccountPurpose, PaymentStatus

DEPOSIT_REFERENCE = "enforcement.deposit"
BALANCE_REFERENCE = "enforcement.balance"


def _lock_auction(auction: Auction | int) -> Auction:
    pk: Any = getattr(auction, "pk", auction)
    return Auction.objects.select_for_update().select_related("file", "file__office", "asset").get(pk=pk)


def registration_open_check(auction: Auction, actor: Any) -> None:
    """Who may register and when (the caller holds the auction's lock)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError()
    if DEBTOR in access.party_roles(actor, auction.file):
        raise PermissionDeniedError(_("The debtor cannot bid for their own property."))
    if auction.status not in (AuctionStatus.NOTICE, AuctionStatus.OPEN) or timezone.now() >= auction.ends_at:
        raise ConflictError(_("Registration for this auction is closed."), code="auction_closed")


def deposit_payment_open(*, auction: Auction, actor: Any) -> Any:
    """The bidder's deposit, paid online; the registration is made when the bank confirms it."""
    from tanzim.finance.services import payment_create_held

    with transaction.atomic():
        auction = _lock_auction(auction)
        registration_open_check(auction, actor)
        if Registration.objects.filter(auction=auction, bidder=actor).exists():
            raise ConflictError(_("You are already registered for this auction."), code="registered")
        return payment_create_held(
            office=auction.file.office,
            payer=actor,
            amount=auction.deposit,
            credit_purpose=AccountPurpose.AUCTION_DEPOSITS,
            service_code="enforcement.auction_deposit",
            reference_type=DEPOSIT_REFERENCE,
            reference_id=f"{auction.pk}:{actor.pk}",
            actor=actor,
            return_url=reverse("enforcement:auction", args=[auction.pk]),
        )


def balance_payment_open(*, auction: Auction, actor: Any) -> Any:
    """The winner pays the rest of the price online within the month (CJEA 129)."""
    from tanzim.finance.services import payment_create_held

    with transaction.atomic():
        auction = _lock_auction(auction)
        winner = Registration.objects.filter(pk=auction.winner_id or 0).first()
        if winner is None or winner.bidder_id != getattr(actor, "pk", None):
            raise PermissionDeniedError()
        if auction.status != AuctionStatus.AWARDED or auction.balance_payment_id:
            raise ConflictError(_("No balance is due on this auction."), code="no_balance")
        if auction.balance_due and tehran_date(timezone.now()) > auction.balance_due:
            raise ConflictError(_("The month for the balance has passed."), code="balance_late")
        return payment_create_held(
            office=auction.file.office,
            payer=actor,
            amount=auction.highest_amount - winner.deposit,
            credit_purpose=AccountPurpose.AUCTION_DEPOSITS,
            service_code="enforcement.auction_balance",
            reference_type=BALANCE_REFERENCE,
            reference_id=str(auction.pk),
            actor=actor,
            return_url=reverse("enforcement:auction", args=[auction.pk]),
        )


def payment_refund(payment: Any, reason: str) -> None:
    """Give a held auction payment back in full (a system refund: the law or the timing decides)."""
    from tanzim.finance.services.refunds import refund_create

    payment.refresh_from_db()
    left = payment.refundable["office_fee"]
    if payment.status == PaymentStatus.CAPTURED and left > 0:
        refund_create(payment=payment, amount=left, part="office_fee", reason=reason, actor=None)


def deposit_collected(*, payment: Any) -> Registration | None:
    """The bank confirmed a deposit: the bidder is registered (once per payment)."""
    auction_pk, _sep, _bidder = str(payment.reference_id).partition(":")
    with transaction.atomic():
        auction = _lock_auction(int(auction_pk))
        done = Registration.objects.filter(payment=payment).first()
        if done is not None:
            return done
        bidder = payment.payer
        if (
            auction.status not in (AuctionStatus.NOTICE, AuctionStatus.OPEN)
            or Registration.objects.filter(auction=auction, bidder=bidder).exists()
        ):
            payment_refund(payment, "auction deposit not needed")
            return None
        registration = Registration.objects.create(
            auction=auction,
            bidder=bidder,
            deposit=payment.amount,
            deposit_transaction_id=payment.transaction_id,
            payment=payment,
        )
        audit.record(
            action="enforcement.deposit.held", actor=bidder, obj=registration, office=auction.file.office_id
        )
        return registration


def balance_collected(*, payment: Any) -> Auction | None:
    """The bank confirmed the winner's balance: it waits in AUCTION_DEPOSITS for the sale to complete."""
    with transaction.atomic():
        auction = _lock_auction(int(payment.reference_id))
        if auction.balance_payment_id == payment.pk:
            return auction
        if auction.status != AuctionStatus.AWARDED or auction.balance_payment_id:
            payment_refund(payment, "auction balance not due")
            return None
        Auction.objects.filter(pk=auction.pk).update(balance_payment=payment)
        audit.record(
            action="enforcement.auction.balance_received",
            actor=payment.payer,
            obj=auction,
            office=auction.file.office_id,
            data={"amount": payment.amount},
        )
        auction.balance_payment = payment
        return auction


def registration_refund(registration: Registration, actor: Any) -> None:
    """A deposit paid online goes back through finance's refund (the caller moves the registration)."""
    if registration.payment_id:
        payment_refund(registration.payment, "auction deposit refunded")


def on_captured(payment: Any) -> None:
    if payment.credit_purpose != AccountPurpose.AUCTION_DEPOSITS or not payment.transaction_id:
        return
    if payment.reference_type == DEPOSIT_REFERENCE:
        deposit_collected(payment=payment)
    elif payment.reference_type == BALANCE_REFERENCE:
        balance_collected(payment=payment)
