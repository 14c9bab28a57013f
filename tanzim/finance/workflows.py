"""Finance's workflows, declared for the one engine (``tanzim.audit.workflow``).

Every status write in finance goes through ``transition`` / ``bulk_transition`` with one of these.

Where each move leaves its trace:

- **payments**: a ``PaymentEvent`` row per move (who, on whose behalf, why, when) next to the
  payment, plus the audit event (``finance.payment.captured`` …). A payment is the money record
  people ask about ("who took it at the counter, for whom, when did it expire?"); its history
  is read by payment, not by walking an office's audit chain.
- **refunds**: the audit event only (``finance.refund.completed``). A refund moves once
  (being returned → returned); the refund row already holds who asked, why, the bank reference
  and when the money went back, so an event row would repeat it.
- **settlement runs**: the audit event only (``finance.settlement.done``). A run moves once per
  month; its figures are the run's own row and lines.
- **simulated gateway sessions**: no event row and no audit event (``audited=False``). They are
  the simulated *bank's* own record, standing in for an external provider's system; Tanzim's
  trace of the same moment is the payment's move.

Imported payments (``payments_import``) are history from another system: they are created
captured, in bulk, and never move through a table here (no event row; one audit event per import).
"""

from __future__ import annotations

from tanzim.audit.workflow import Workflow
from tanzim.finance.choices import GatewayOutcome, PaymentStatus, RefundStatus, SettlementStatus
from tanzim.finance.models import (
    Payment,
    PaymentEvent,
    Refund,
    SettlementRun,
    SimulatedGatewayTransaction,
)

# Only a pending payment moves, and only once.
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.PENDING: frozenset(
        {PaymentStatus.CAPTURED, PaymentStatus.FAILED, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED}
    ),
    PaymentStatus.CAPTURED: frozenset(),
    PaymentStatus.FAILED: frozenset(),
    PaymentStatus.CANCELLED: frozenset(),
    PaymentStatus.EXPIRED: frozenset(),
}

PAYMENT: Workflow[Payment] = Workflow(
    name="finance.payment",
    model=Payment,
    table=PAYMENT_TRANSITIONS,
    event_model=PaymentEvent,
    event_link=lambda payment: {"payment": payment},
    office=lambda payment: payment.office_id,
)

# A refund paid through the gateway waits for the bank; one at the counter is created returned.
REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.COMPLETED}),
    RefundStatus.COMPLETED: frozenset(),
}

REFUND: Workflow[Refund] = Workflow(
    name="finance.refund",
    model=Refund,
    table=REFUND_TRANSITIONS,
    stamps={RefundStatus.COMPLETED: "completed_at"},
    office=lambda refund: refund.payment.office_id,
)

SETTLEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    SettlementStatus.RUNNING: frozenset({SettlementStatus.DONE}),
    SettlementStatus.DONE: frozenset(),
}

SETTLEMENT: Workflow[SettlementRun] = Workflow(
    name="finance.settlement",
    model=SettlementRun,
    table=SETTLEMENT_TRANSITIONS,
    stamps={SettlementStatus.DONE: "finished_at"},
)

# The simulated bank: the payer decides (or the page times out); a paid session may be reversed.
GATEWAY_SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    GatewayOutcome.INITIATED: frozenset(
        {GatewayOutcome.PAID, GatewayOutcome.FAILED, GatewayOutcome.CANCELLED, GatewayOutcome.TIMEOUT}
    ),
    GatewayOutcome.PAID: frozenset({GatewayOutcome.REVERSED}),
    GatewayOutcome.FAILED: frozenset(),
    GatewayOutcome.CANCELLED: frozenset(),
    GatewayOutcome.TIMEOUT: frozenset(),
    GatewayOutcome.REVERSED: frozenset(),
}

GATEWAY_SESSION: Workflow[SimulatedGatewayTransaction] = Workflow(
    name="finance.simulated_gateway_session",
    model=SimulatedGatewayTransaction,
    table=GATEWAY_SESSION_TRANSITIONS,
    stamps={
        GatewayOutcome.PAID: "decided_at",
        GatewayOutcome.FAILED: "decided_at",
        GatewayOutcome.CANCELLED: "decided_at",
        GatewayOutcome.TIMEOUT: "decided_at",
    },
    audited=False,
)
