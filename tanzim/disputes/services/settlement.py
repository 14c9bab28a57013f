"""The settlement report: the draft and its obligations, signing by SMS code, and the money a
settlement moves (the office's fee, half the court fee back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanzim.accounts.identity import require_identity
from tanzim.accounts.models import User
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.common.idempotency import fingerprint
from tanzim.common.identifiers import mask_phone
from tanzim.common.jalali import tehran_date
from tanzim.disputes import rules, selectors
from tanzim.disputes.choices import (
    DisputeStatus,
    EventSubject,
    ObligationKind,
    OtpPurpose,
    PartyRole,
    SessionMode,
    SessionStatus,
    SettlementStatus,
)
from tanzim.disputes.models import Dispute, Obligation, Party, Settlement, Signature
from tanzim.disputes.selectors import Access, access_for
from tanzim.disputes.services._common import (
    INVALID_OTP,
    _audit,
    _check_otp,
    _event,
    _lock,
    _now,
    _parties,
    _require,
    _send_otp,
    _sms,
    _text,
    _today,
    logger,
)
from tanzim.disputes.services.ladder import dispute_transition, settlement_transition

MAX_OBLIGATIONS = 60
MAX_OBLIGATION_YEARS = 10


@dataclass(frozen=True)
class ObligationInput:
    obligor: str  # the party's role: "claimant" or "respondent"
    kind: str
    description: str
    due_date: date | None
    amount: int | None = None

    @classmethod
    def of(cls, value: ObligationInput | Mapping[str, Any]) -> ObligationInput:
        if isinstance(value, ObligationInput):
            return value
        value = dict(value)
        return cls(
            obligor=value.get("obligor", ""),
            kind=value.get("kind", ObligationKind.PAYMENT),
            description=value.get("description", ""),
            due_date=value.get("due_date"),
            amount=value.get("amount"),
        )


def _clean_obligations(items: Iterable[Any], parties: Mapping[str, Party]) -> list[dict[str, Any]]:
    items = [ObligationInput.of(item) for item in (items or [])]
    if not items:
        raise DomainError(
            _("A settlement needs at least one obligation."),
            code="no_obligations",
            fields={"obligations": [_("A settlement needs at least one obligation.")]},
        )
    if len(items) > MAX_OBLIGATIONS:
        raise DomainError(fields={"obligations": [_("Too many obligations.")]})
    today = _today()
    latest = today.replace(year=today.year + MAX_OBLIGATION_YEARS)
    errors: dict[str, list] = {}
    clean = []
    for n, item in enumerate(items):
        key = f"obligations.{n}"
        description = _text(item.description, limit=500)
        if item.obligor not in parties:
            errors[f"{key}.obligor"] = [_("Say which party owes this.")]
        if item.kind not in ObligationKind.values:
            errors[f"{key}.kind"] = [_("Choose a payment or an act.")]
        if not description:
            errors[f"{key}.description"] = [_("Say what is to be done.")]
        amount = item.amount
        if item.kind == ObligationKind.PAYMENT:
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                errors[f"{key}.amount"] = [_("A payment needs an amount in rials, more than zero.")]
            elif amount > 10**15:
                errors[f"{key}.amount"] = [_("This amount is too large.")]
        elif amount not in (None, 0, ""):
            errors[f"{key}.amount"] = [_("An act has no amount; describe it instead.")]
        else:
            amount = None
        due = item.due_date
        if isinstance(due, datetime):
            due = tehran_date(due)
        if not isinstance(due, date):
            errors[f"{key}.due_date"] = [_("Every obligation needs a due date.")]
        elif due < today:
            errors[f"{key}.due_date"] = [_("The due date cannot be in the past.")]
        elif due > latest:
            errors[f"{key}.due_date"] = [_("The due date is too far away.")]
        if not any(k.startswith(key) for k in errors):
            clean.append(
                {
                    "position": n + 1,
                    "obligor": parties[item.obligor],
                    "kind": item.kind,
                    "description": description,
                    "amount": amount,
                    "due_date": due,
                }
            )
    if errors:
        raise DomainError(_("Please correct the obligations."), code="bad_obligations", fields=errors)
    return clean


def settlement_draft(
    *, dispute: Dispute, actor: User, terms: str, obligations: Sequence[ObligationInput | Mapping[str, Any]]
) -> Settlement:
    """Write (or rewrite) the draft settlement report: the terms and each obligation."""
    with transaction.atomic():
        dispute = _lock(dispute)
        _require(access_for(dispute=dispute, user=actor), "staff", "convener")
        if dispute.status not in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION):
            raise ConflictError(
                _("A settlement is drafted during mediation or arbitration."), code="no_settlement_now"
            )
        parties = _parties(dispute)
        clean = _clean_obligations(obligations, parties)
        terms = _text(terms, limit=10000)
        live = (
            Settlement.objects.select_for_update()
            .filter(dispute=dispute)
            .exclude(status=SettlementStatus.VOIDED)
            .first()
        )
        if live is not None and live.status != SettlementStatus.DRAFT:
            raise ConflictError(
                _("This settlement is already out for signing. Void it to change it."),
                code="settlement_frozen",
            )
        if live is None:
            number = (dispute.settlements.aggregate(n=Max("number"))["n"] or 0) + 1
            try:
                with transaction.atomic():
                    live = Settlement.objects.create(
                        dispute=dispute, number=number, terms=terms, drafted_by=actor
                    )
            except IntegrityError as exc:
                raise ConflictError(code="stale_status") from exc
            _event(
                dispute,
                subject=EventSubject.SETTLEMENT,
                subject_id=live.pk,
                to=SettlementStatus.DRAFT,
                actor=actor,
            )
        else:
            live.terms, live.drafted_by = terms, actor
            live.save(update_fields=["terms", "drafted_by"])
            live.obligations.all().delete()
        Obligation.objects.bulk_create([Obligation(settlement=live, **item) for item in clean])
        _audit(
            "settlement.drafted",
            dispute=dispute,
            actor=actor,
            obj=live,
            obligations=len(clean),
            total=sum(item["amount"] or 0 for item in clean),
        )
    return live


def settlement_content_hash(settlement: Settlement) -> str:
    """What the parties sign: the terms, the parties and every obligation, in a stable form."""
    parties = {p.pk: [p.role, p.name, p.national_code] for p in settlement.dispute.parties.all()}
    payload = {
        "dispute": settlement.dispute.reference,
        "version": settlement.number,
        "terms": settlement.terms,
        "parties": sorted(parties.values()),
        "obligations": [
            [o.position, parties[o.obligor_id][0], o.kind, o.description, o.amount, o.due_date.isoformat()]
            for o in settlement.obligations.order_by("position")
        ],
    }
    return fingerprint(payload)


def settlement_open(*, settlement: Settlement, actor: User) -> Settlement:
    """Freeze the draft and ask both parties to sign it by SMS code."""
    with transaction.atomic():
        dispute = _lock(settlement.dispute_id)
        _require(access_for(dispute=dispute, user=actor), "staff", "convener")
        settlement = Settlement.objects.select_for_update().select_related("dispute").get(pk=settlement.pk)
        if dispute.status not in (DisputeStatus.MEDIATION, DisputeStatus.ARBITRATION):
            raise ConflictError(_("This dispute is no longer being resolved."), code="no_settlement_now")
        if not settlement.obligations.exists():
            raise DomainError(_("A settlement needs at least one obligation."), code="no_obligations")
        missing = [p for p in _parties(dispute).values() if not p.mobile]
        if missing:
            raise DomainError(
                _("Each party needs a mobile number to sign by SMS code."), code="party_mobile_missing"
            )
        settlement = settlement_transition(
            settlement=settlement,
            to=SettlementStatus.SIGNING,
            actor=actor,
            changes={"content_hash": settlement_content_hash(settlement), "opened_at": _now()},
        )
        for party in _parties(dispute).values():
            _sms(
                party,
                "disputes.sign_request",
                dispute=dispute,
                dedupe_key=f"dispute-settlement:{settlement.pk}:open:{party.role}",
            )
    return settlement


def settlement_void(*, settlement: Settlement, actor: User, reason: str) -> Settlement:
    """Withdraw a draft or an unsigned report (signatures on it stay in the history)."""
    reason = _text(reason, limit=300)
    if not reason:
        raise DomainError(fields={"reason": [_("Say why the settlement is voided.")]})
    with transaction.atomic():
        dispute = _lock(settlement.dispute_id)
        _require(access_for(dispute=dispute, user=actor), "staff", "convener")
        return settlement_transition(
            settlement=Settlement.objects.select_related("dispute").get(pk=settlement.pk),
            to=SettlementStatus.VOIDED,
            actor=actor,
            reason=reason,
            changes={"voided_at": _now(), "void_reason": reason},
        )


def _signing_party(settlement: Settlement, party: Party | str, actor: User) -> tuple[Dispute, Party, Access]:
    dispute = Dispute.objects.select_related("office").get(pk=settlement.dispute_id)
    access = access_for(dispute=dispute, user=actor)
    if not access.any:
        raise selectors._not_found()
    parties = _parties(dispute)
    role = party.role if isinstance(party, Party) else party
    target = parties.get(role)
    if target is None or (isinstance(party, Party) and party.dispute_id != dispute.pk):
        raise NotFoundError(_("This person is not a party to the dispute."), code="not_a_party")
    if access.party and not (access.staff or access.convener):
        if access.party.pk != target.pk:
            raise PermissionDeniedError(_("You can only sign for yourself."), code="sign_for_yourself")
        # A party abroad signs only once an office has checked who they are (accounts.identity).
        require_identity(actor)
    elif not (access.staff or access.convener):
        raise PermissionDeniedError(_("Only the parties sign a settlement."), code="not_a_party")
    return dispute, target, access


@dataclass(frozen=True)
class CodeSent:
    masked_mobile: str
    already_signed: bool = False


def settlement_request_code(*, settlement: Settlement, party: Party | str, actor: User) -> CodeSent:
    """Send a party their signing code. The office may send it for a party sitting in front of it."""
    dispute, target, _access = _signing_party(settlement, party, actor)
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if Signature.objects.filter(settlement=settlement, party=target).exists():
            return CodeSent(masked_mobile=mask_phone(target.mobile), already_signed=True)
        if settlement.status != SettlementStatus.SIGNING:
            raise ConflictError(_("This settlement is not open for signing."), code="not_open_for_signing")
        _send_otp(target, OtpPurpose.SIGN, settlement=settlement, dispute=dispute)
    return CodeSent(masked_mobile=mask_phone(target.mobile))


@dataclass(frozen=True)
class SignResult:
    settlement: Settlement
    signature: Signature
    already_signed: bool
    completed: bool  # this signature was the last one: the dispute is settled

    @property
    def message(self) -> str:
        if self.already_signed:
            return str(_("This party has already signed this settlement; nothing changed."))
        if self.completed:
            return str(_("Signed. Every party has signed: the dispute is settled."))
        return str(_("Signed. Waiting for the other party's signature."))


def settlement_sign(*, settlement: Settlement, party: Party | str, actor: User, code: str) -> SignResult:
    """A party confirms the settlement with the code sent to their mobile. Twice is a no-op.

    The last signature settles the dispute: the office's resolution fee is charged, a court fee
    halved by the settlement is refunded, and the signed PDF is made after commit.
    """
    dispute, target, access = _signing_party(settlement, party, actor)
    on_behalf = target.user if access.party is None or access.party.pk != target.pk else None
    with transaction.atomic():
        dispute = _lock(dispute)
        settlement = Settlement.objects.select_for_update().select_related("dispute").get(pk=settlement.pk)
        existing = Signature.objects.filter(settlement=settlement, party=target).first()
        if existing is not None:
            return SignResult(settlement=settlement, signature=existing, already_signed=True, completed=False)
        if settlement.status != SettlementStatus.SIGNING:
            raise ConflictError(_("This settlement is not open for signing."), code="not_open_for_signing")
        if dispute.status == DisputeStatus.MEDIATION and rules.is_past(dispute.window_ends_on, now=_now()):
            raise ConflictError(_("The mediation window has closed."), code="window_closed")
        otp = _check_otp(target, OtpPurpose.SIGN, code, settlement=settlement)
    if otp is None:
        raise DomainError(INVALID_OTP, code="invalid_code", fields={"code": [INVALID_OTP]})
    with transaction.atomic():
        dispute = _lock(dispute)
        settlement = Settlement.objects.select_for_update().select_related("dispute").get(pk=settlement.pk)
        existing = Signature.objects.filter(settlement=settlement, party=target).first()
        if existing is not None:
            return SignResult(settlement=settlement, signature=existing, already_signed=True, completed=False)
        if settlement.status != SettlementStatus.SIGNING:
            raise ConflictError(_("This settlement is not open for signing."), code="not_open_for_signing")
        now = _now()
        signature = Signature.objects.create(
            settlement=settlement,
            party=target,
            content_hash=settlement.content_hash,
            signed_at=now,
            actor=actor,
            otp=otp,
        )
        _event(
            dispute,
            subject=EventSubject.SETTLEMENT,
            subject_id=settlement.pk,
            frm=SettlementStatus.SIGNING,
            to=f"signed_by_{target.role}"[:20],
            actor=actor,
            on_behalf_of=on_behalf,
            now=now,
        )
        _audit(
            "settlement.signature",
            dispute=dispute,
            actor=actor,
            on_behalf_of=on_behalf,
            obj=signature,
            party=target.role,
            content_hash=settlement.content_hash,
        )
        signed_roles = set(
            Signature.objects.filter(settlement=settlement).values_list("party__role", flat=True)
        )
        completed = signed_roles >= set(PartyRole.values)
        if completed:
            settlement = settlement_transition(
                settlement=settlement, to=SettlementStatus.SIGNED, actor=actor, changes={"signed_at": now}
            )
            dispute = dispute_transition(
                dispute=dispute,
                to=DisputeStatus.SETTLED,
                actor=actor,
                on_behalf_of=on_behalf,
                reason=str(_("Settlement report v%(n)s signed by every party.") % {"n": settlement.number}),
                expected_status=dispute.status,
            )
            _settlement_money(dispute, actor)
            from tanzim.disputes.tasks import render_settlement_pdf

            settlement_id = settlement.pk
            transaction.on_commit(lambda: render_settlement_pdf.delay(settlement_id))
    return SignResult(settlement=settlement, signature=signature, already_signed=False, completed=completed)


def _settlement_money(dispute: Dispute, actor: Any) -> None:
    """The office earns its resolution fee; a court fee halved by the settlement goes back."""
    from tanzim.finance import services as finance

    _charge_resolution_fee(dispute, actor)
    try:
        with transaction.atomic():
            finance.dispute_resolved_record(
                office=dispute.office, reference=dispute.reference, resolved_at=_now()
            )
    except DomainError:
        logger.warning("disputes: could not record dispute %s as resolved", dispute.pk)
    _halve_court_fee(dispute)


def resolution_fee_quote(dispute: Dispute):
    """The office's resolution fee for this dispute, from the tariff line (None if there is none)."""
    from tanzim.catalog.choices import ChannelKind
    from tanzim.catalog.fees import fee_quote
    from tanzim.catalog.models import Service

    service = Service.objects.filter(code=settings.DISPUTES_RESOLUTION_SERVICE, active=True).first()
    if service is None:
        return None
    held = dispute.sessions.filter(status=SessionStatus.HELD)
    video_only = held.exists() and not held.filter(mode=SessionMode.IN_PERSON).exists()
    channel = ChannelKind.REMOTE if video_only and service.remote else service.channels[-1]
    try:
        return fee_quote(service=service, channel=channel, parties=2)
    except DomainError:
        return None


def _charge_resolution_fee(dispute: Dispute, actor: Any) -> Any:
    from tanzim.finance import services as finance

    quote = resolution_fee_quote(dispute)
    claimant = _parties(dispute)[PartyRole.CLAIMANT]
    if quote is None:
        logger.warning("disputes: no tariff line for the resolution fee; dispute %s not charged", dispute.pk)
        _audit("fee.skipped", dispute=dispute, actor=actor, reason="no tariff line")
        return None
    try:
        with transaction.atomic():
            return finance.payment_create(
                office=dispute.office,
                payer=claimant.user,
                quote=quote,
                reference_type="disputes.dispute",
                reference_id=str(dispute.pk),
                idempotency_key=f"dispute-{dispute.pk}-resolution-fee",
                actor=None,
                return_url=reverse("disputes:detail", kwargs={"pk": dispute.pk}),
            )
    except DomainError as exc:
        logger.warning("disputes: resolution fee for dispute %s refused (%s)", dispute.pk, exc.code)
        _audit("fee.skipped", dispute=dispute, actor=actor, reason=exc.code)
        return None


def _halve_court_fee(dispute: Dispute) -> Any:
    """A court-referred money claim settled: half the court fee paid for its case is refunded."""
    from tanzim.finance import services as finance
    from tanzim.finance.choices import PaymentPart, PaymentStatus
    from tanzim.finance.models import Payment

    if not dispute.halves_court_fee or dispute.case_id is None or dispute.court_fee_refund_id:
        return None
    payment = (
        Payment.objects.filter(
            reference_type="cases.case",
            reference_id=str(dispute.case_id),
            status=PaymentStatus.CAPTURED,
            court_fee__gt=0,
        )
        .order_by("-captured_at")
        .first()
    )
    if payment is None:
        return None
    amount = min(payment.court_fee // 2, payment.court_fee - payment.court_fee_refunded)
    if amount <= 0:
        return None
    refund = finance.refund_create(
        payment=payment,
        amount=amount,
        part=PaymentPart.COURT_FEE,
        reason=str(
            _("Dispute %(ref)s settled: half the court fee is refunded.") % {"ref": dispute.reference_display}
        ),
        actor=None,
    )
    Dispute.objects.filter(pk=dispute.pk).update(court_fee_refund_id=refund.pk)
    _audit("fee.court_fee_halved", dispute=dispute, actor=None, payment=payment.pk, amount=amount)
    return refund


def resolution_fee_pay(*, dispute: Dispute, actor: User) -> Any:
    """The payment of the office's resolution fee for a settled dispute, ready to pay now.

    The fee is due once every party has signed. A payment attempt expires after the gateway's
    time limit; pressing "pay" again opens a fresh attempt with the same amounts (the same
    idempotency key), so the fee never becomes unpayable. The claimant pays it, or the office
    records it at the counter. Returns the payment (already paid: that one; no tariff line: None).
    """
    from tanzim.finance.choices import PaymentStatus
    from tanzim.finance.models import Payment

    with transaction.atomic():
        dispute = _lock(dispute)
        access = access_for(dispute=dispute, user=actor)
        _require(access, "claimant", "staff")
        if dispute.status != DisputeStatus.SETTLED:
            raise ConflictError(
                _("The resolution fee is due once every party has signed the settlement report."),
                code="fee_not_due",
            )
        paid = Payment.objects.filter(
            reference_type="disputes.dispute", reference_id=str(dispute.pk), status=PaymentStatus.CAPTURED
        ).first()
        if paid is not None:
            return paid
        payment = _charge_resolution_fee(dispute, actor)
        if payment is None:
            raise DomainError(_("No fee is set for this service; nothing to pay."), code="no_fee")
        return payment
