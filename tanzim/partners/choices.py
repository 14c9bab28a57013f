"""Partner kinds, the referral's states, coded outcomes and the webhook delivery's states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    TAZIRAT = "tazirat", _("Tazirat Organisation")
    FORENSIC = "forensic", _("Forensic Medicine")
    COUNCIL = "council", _("Dispute-resolution council")
    PEACE_COURT = "peace_court", _("Peace court")
    COURT = "court", _("Court")
    PROSECUTOR = "prosecutor", _("Prosecutor's office")
    POLICE = "police", _("Police")


#: The kinds that decide a dispute: a referral to one of them is the dispute's own referral onward
#: (disputes.Referral, the dispute moves to "referred"); the others (an examination, a guild
#: complaint, a police report) run beside the dispute.
ADJUDICATING = frozenset(
    {PartnerKind.COUNCIL, PartnerKind.PEACE_COURT, PartnerKind.COURT, PartnerKind.PROSECUTOR}
)


class ReferralStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received by the partner")
    IN_PROGRESS = "in_progress", _("In progress at the partner")
    OUTCOME = "outcome", _("Outcome received")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned without action")
    CANCELLED = "cancelled", _("Cancelled")


ALLOWED: dict[str, frozenset[str]] = {
    ReferralStatus.PREPARED: frozenset({ReferralStatus.SENT, ReferralStatus.CANCELLED}),
    ReferralStatus.SENT: frozenset({ReferralStatus.RECEIVED, ReferralStatus.RETURNED}),
    ReferralStatus.RECEIVED: frozenset(
        {ReferralStatus.IN_PROGRESS, ReferralStatus.OUTCOME, ReferralStatus.RETURNED}
    ),
    ReferralStatus.IN_PROGRESS: frozenset({ReferralStatus.OUTCOME, ReferralStatus.RETURNED}),
    ReferralStatus.OUTCOME: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.RETURNED: frozenset({ReferralStatus.CLOSED}),
    ReferralStatus.CLOSED: frozenset(),
    ReferralStatus.CANCELLED: frozenset(),
}

#: Where the file is with the partner: acknowledgement and outcome clocks run.
AT_PARTNER = frozenset({ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS})
#: Moves the partner makes (through its API, its portal, or an office clerk entering them for it).
PARTNER_MOVES = frozenset(
    {ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS, ReferralStatus.OUTCOME, ReferralStatus.RETURNED}
)
#: Actions the API and the portal accept, by the state they lead to.
ACTIONS: dict[str, str] = {
    "send": ReferralStatus.SENT,
    "acknowledge": ReferralStatus.RECEIVED,
    "start": ReferralStatus.IN_PROGRESS,
    "return": ReferralStatus.RETURNED,
    "close": ReferralStatus.CLOSED,
    "cancel": ReferralStatus.CANCELLED,
}


class OutcomeCode(models.TextChoices):
    DECIDED_FOR_CLAIMANT = "for_claimant", _("Decided for the claimant")
    DECIDED_AGAINST_CLAIMANT = "against_claimant", _("Decided against the claimant")
    SETTLED = "settled", _("Settled before the partner")
    EXAMINED = "examined", _("Examination done; report issued")
    VIOLATION_FOUND = "violation", _("Violation found; penalty imposed")
    NO_VIOLATION = "no_violation", _("No violation found")
    DISMISSED = "dismissed", _("Dismissed")
    OTHER = "other", _("Other (see the note)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead letter")


DELIVERY_ALLOWED: dict[str, frozenset[str]] = {
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.SENDING}),
    # Delivered, put back for a retry, given up after the budget, or taken over when stale.
    DeliveryStatus.SENDING: frozenset(
        {DeliveryStatus.DELIVERED, DeliveryStatus.PENDING, DeliveryStatus.DEAD, DeliveryStatus.SENDING}
    ),
    DeliveryStatus.DELIVERED: frozenset(),
    # An operator's replay from the dead-letter list.
    DeliveryStatus.DEAD: frozenset({DeliveryStatus.PENDING}),
}


class EventType(models.TextChoices):
    REFERRAL_SENT = "referral.sent", _("A referral was sent to the partner")
    REFERRAL_DOCUMENT = "referral.document", _("A document was added to a referral")
    REFERRAL_OVERDUE = "referral.overdue", _("A referral is past its expected time")
    REFERRAL_CANCELLED = "referral.cancelled", _("A referral was cancelled")
    REFERRAL_CLOSED = "referral.closed", _("A referral was closed")
