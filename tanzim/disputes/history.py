"""A dispute's history in sentences: one mapping from an event row to what a person reads.

An event row stores codes (``subject``, ``from_status``, ``to_status``); the page shows a sentence
("The respondent joined the dispute."), never a state name ("Triaged"). Every sentence is a
translated string of this module; a code without one falls back to the status label, so a new
state never breaks the page (``test_history`` fails until it has its sentence).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tanzim.disputes.choices import DisputeStatus, EventSubject, SessionResult, event_word

# (subject, to_status) → sentence. A "note" (from = to, the same stage) has its own entry per subject.
NOTE = "="
SENTENCES: dict[tuple[str, str], Promise] = {
    (EventSubject.DISPUTE, DisputeStatus.INTAKE): _("The dispute was opened."),
    (EventSubject.DISPUTE, DisputeStatus.TRIAGED): _("The dispute was triaged for an attempt at settlement."),
    (EventSubject.DISPUTE, DisputeStatus.INVITED): _("The respondent was invited."),
    (EventSubject.DISPUTE, DisputeStatus.MEDIATION): _("Mediation began."),
    (EventSubject.DISPUTE, DisputeStatus.FAILED): _("The attempt at settlement ended without agreement."),
    (EventSubject.DISPUTE, DisputeStatus.ARBITRATION): _("The dispute went to arbitration."),
    (EventSubject.DISPUTE, DisputeStatus.SETTLED): _("The parties settled the dispute."),
    (EventSubject.DISPUTE, DisputeStatus.AWARDED): _("The arbitrators issued their award."),
    (EventSubject.DISPUTE, DisputeStatus.REFERRED): _("The dispute was referred onward."),
    (EventSubject.DISPUTE, DisputeStatus.WITHDRAWN): _("The dispute was withdrawn."),
    (EventSubject.DISPUTE, DisputeStatus.CLOSED): _("The dispute was closed."),
    (EventSubject.DISPUTE, NOTE): _("The office recorded a change to the dispute."),
    (EventSubject.INVITATION, "sent"): _("The invitation was sent to the respondent."),
    (EventSubject.INVITATION, "reminded"): _("A reminder was sent to the respondent."),
    (EventSubject.INVITATION, "joined"): _("The respondent joined the dispute."),
    (EventSubject.SESSION, "scheduled"): _("A session was set."),
    (EventSubject.SESSION, "held"): _("The session was held."),
    (EventSubject.SESSION, "no_show"): _("A party did not come to the session."),
    (EventSubject.SESSION, "cancelled"): _("The session was cancelled."),
    (EventSubject.SETTLEMENT, "draft"): _("The settlement report was drafted."),
    (EventSubject.SETTLEMENT, "signing"): _("The settlement report was put to the parties for signature."),
    (EventSubject.SETTLEMENT, "signed"): _("Every party signed the settlement report."),
    (EventSubject.SETTLEMENT, "voided"): _("The settlement report was withdrawn."),
    (EventSubject.SETTLEMENT, "signed_by_claimant"): _("The claimant signed the settlement report."),
    (EventSubject.SETTLEMENT, "signed_by_respondent"): _("The respondent signed the settlement report."),
    (EventSubject.ARBITRATION, "forming"): _("The arbitrators began to be appointed."),
    (EventSubject.ARBITRATION, "active"): _("The arbitration's term began."),
    (EventSubject.ARBITRATION, "awarded"): _("The arbitrators issued their award."),
    (EventSubject.ARBITRATION, "expired"): _("The arbitration's term ran out without an award."),
    (EventSubject.ARBITRATION, "ended"): _("The arbitration ended."),
    (EventSubject.ARBITRATION, NOTE): _("The arbitration's term was extended."),
    (EventSubject.ARBITRATOR, "proposed"): _("An arbitrator was proposed."),
    (EventSubject.ARBITRATOR, "accepted"): _("An arbitrator accepted and was notified."),
    (EventSubject.ARBITRATOR, "declared"): _("An arbitrator declared their eligibility."),
    (EventSubject.ARBITRATOR, "disqualified"): _("An arbitrator was disqualified."),
    (EventSubject.ARBITRATOR, "withdrawn"): _("An arbitrator withdrew."),
    (EventSubject.ARBITRATOR, "waived_by_claimant"): _(
        "The claimant accepted an arbitrator despite a ground."
    ),
    (EventSubject.ARBITRATOR, "waived_by_respondent"): _(
        "The respondent accepted an arbitrator despite a ground."
    ),
    (EventSubject.AWARD, "pending"): _("The award was issued; compliance is awaited."),
    (EventSubject.AWARD, "complied"): _("The award was complied with."),
    (EventSubject.AWARD, "enforcement"): _("Enforcement of the award was requested."),
    (EventSubject.AWARD, "notified_claimant"): _("The award was notified to the claimant."),
    (EventSubject.AWARD, "notified_respondent"): _("The award was notified to the respondent."),
    (EventSubject.REFERRAL, "packed"): _("The file was packed for referral."),
    (EventSubject.REFERRAL, "sent"): _("The file was sent and its tracking reference recorded."),
    (EventSubject.REFERRAL, "partner_prepared"): _("A referral to a partner body was prepared."),
    (EventSubject.REFERRAL, "partner_sent"): _("The file was sent to the partner body."),
    (EventSubject.REFERRAL, "partner_received"): _("The partner body received the file."),
    (EventSubject.REFERRAL, "partner_outcome"): _("The partner body sent its outcome."),
    (EventSubject.REFERRAL, "partner_returned"): _("The partner body returned the file without action."),
}


def event_sentence(event: Any) -> str:
    """The sentence of one event row in the active language."""
    to = event.to_status
    key = (event.subject, NOTE if event.from_status and event.from_status == to else to)
    sentence = SENTENCES.get(key) or SENTENCES.get((event.subject, to))
    return str(sentence) if sentence is not None else event_word(event.subject, to)


def event_detail(event: Any, dispute: Any = None) -> str:
    """What follows the sentence: the event's reason, in the reader's language where it can be.

    A session's coded result is shown in words; the triage note is the dispute's in the active
    language (the row keeps the language of whoever triaged)."""
    reason = event.reason or ""
    if event.subject == EventSubject.SESSION and reason in SessionResult.values:
        return str(SessionResult(reason).label)
    if dispute is not None and reason and reason in (dispute.triage_note, dispute.triage_note_en):
        return str(dispute.triage_reason)
    return reason


def event_by(event: Any) -> str:
    """``by Reza Karimi`` / ``by the clerk for the claimant`` for the office's view; "" without an actor."""
    if event.actor is None:
        return ""
    if event.on_behalf_of is not None:
        return gettext("by %(actor)s for %(party)s") % {
            "actor": event.actor.display_name,
            "party": event.on_behalf_of.display_name,
        }
    return gettext("by %(actor)s") % {"actor": event.actor.display_name}
