"""Writes for money: payments and their gateway callbacks, refunds, subsidies, the Kanoon share.

Every write locks the row it changes (or moves it through its workflow, ``finance.workflows``),
posts its money through the ledger in the same transaction, writes the audit event there too,
and tells other apps about it only after commit (signals, SMS through the outbox).

One module per sub-workflow; callers import from here:

- ``payments``: open, start at the gateway, take at the counter, cancel (and the shared moves);
- ``callbacks``: the gateway's signed answers;
- ``reconcile``: asking the gateway about what never got an answer;
- ``free``: free services' grounds, outreach missions and monthly caps;
- ``refunds``: refunds and cancelled subsidies;
- ``share``: the share policy, tiers, resolved disputes and the monthly settlement;
- ``imports``: payments captured elsewhere, in bulk.
"""

from tanzim.finance.services.callbacks import callback_signed, payment_handle_callback
from tanzim.finance.services.free import (
    free_service_cap_for,
    free_service_cap_set,
    free_service_grant,
    missions_open_for,
    outreach_mission_approve,
    outreach_mission_create,
)
from tanzim.finance.services.imports import ImportRow, payments_import
from tanzim.finance.services.payments import (
    payment_cancel,
    payment_create,
    payment_create_held,
    payment_record_at_counter,
    payment_start,
)
from tanzim.finance.services.reconcile import ReconcileReport, payment_reconcile, payments_reconcile
from tanzim.finance.services.refunds import payment_subsidy_cancel, refund_create, refund_execute
from tanzim.finance.services.share import (
    dispute_resolved_record,
    office_tier_set,
    office_tiers_set,
    settlement_run,
    share_policy_set,
)

__all__ = [
    "ImportRow",
    "ReconcileReport",
    "callback_signed",
    "dispute_resolved_record",
    "free_service_cap_for",
    "free_service_cap_set",
    "free_service_grant",
    "missions_open_for",
    "office_tier_set",
    "office_tiers_set",
    "outreach_mission_approve",
    "outreach_mission_create",
    "payment_cancel",
    "payment_create",
    "payment_create_held",
    "payment_handle_callback",
    "payment_reconcile",
    "payment_record_at_counter",
    "payment_start",
    "payment_subsidy_cancel",
    "payments_import",
    "payments_reconcile",
    "refund_create",
    "refund_execute",
    "settlement_run",
    "share_policy_set",
]
