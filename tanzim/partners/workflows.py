"""The partner referral's and the webhook delivery's workflows, declared for the engine.

A referral's office moves (send, cancel, close) are the referring office's counter staff's; the
partner's moves (received, in progress, outcome, returned) are the partner's staff's, or the
office's when it enters them for a partner without a system. The partner API moves with no user
(``actor=None``): its services have checked the partner's key before calling the engine.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.audit.workflow import Workflow
from tanzim.common.errors import PermissionDeniedError
from tanzim.partners.choices import ALLOWED, DELIVERY_ALLOWED, PARTNER_MOVES, DeliveryStatus, ReferralStatus
from tanzim.partners.models import Delivery, Referral, ReferralEvent
from tanzim.partners.selectors import access_for, referral_not_found

OFFICE = "office"
PARTNER = "partner"

MOVERS: dict[Any, frozenset[str]] = {
    **{status: frozenset({OFFICE, PARTNER}) for status in PARTNER_MOVES},
    ReferralStatus.SENT: frozenset({OFFICE}),
    ReferralStatus.CANCELLED: frozenset({OFFICE}),
    ReferralStatus.CLOSED: frozenset({OFFICE}),
}


def authorize(referral: Referral, actor: Any, old: str, new: str, kinds: frozenset[str]) -> None:
    if actor is None:
        return None  # the partner API or a sweep: the service checked the key
    access = access_for(referral=referral, user=actor)
    if not access.any:
        raise referral_not_found()
    if (OFFICE in kinds and access.staff) or (PARTNER in kinds and access.partner):
        return None
    raise PermissionDeniedError(_("This step of the referral is not yours to take."), code="not_your_move")


REFERRAL: Workflow[Referral] = Workflow(
    name="partners.referral",
    model=Referral,
    table=ALLOWED,
    movers=MOVERS,
    authorize=authorize,
    stamps={
        "*": "status_changed_at",
        ReferralStatus.SENT: "sent_at",
        ReferralStatus.RECEIVED: "received_at",
        ReferralStatus.OUTCOME: "outcome_at",
        ReferralStatus.RETURNED: "outcome_at",
        ReferralStatus.CLOSED: "closed_at",
    },
    event_model=ReferralEvent,
    event_link=lambda referral: {"referral": referral},
    office=lambda referral: referral.office_id,
)

# Mechanical states with no person behind them (the notify outbox's way); an operator's replay
# from the dead-letter list is audited by its service.
DELIVERY: Workflow[Delivery] = Workflow(
    name="partners.delivery",
    model=Delivery,
    table=DELIVERY_ALLOWED,
    stamps={
        DeliveryStatus.SENDING: "claimed_at",
        DeliveryStatus.DELIVERED: "delivered_at",
        DeliveryStatus.DEAD: "dead_at",
    },
    audited=False,
)
