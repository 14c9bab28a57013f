"""A party who moves abroad mid-case, or back: their per-party periods (art. 446).

Art. 446 of the Civil Procedure Code gives a party resident abroad two months, instead of twenty
days, for the periods that run from a notice to them (here: complying with an award, art. 488, and
petitioning to annul it, art. 490; each party's own, counted from their own notice, art. 485).

- **Moving abroad** while a period is still running extends it to the two months counted from the
  same notice: the longer period exists because acting from abroad takes longer, and a doubt about a
  right to object is resolved in the party's favour. A period that had already ended when the party
  moved stays ended (the right lapsed while they lived in Iran).
- **Moving back** never shortens a period already running: the party has relied on the date they
  were given, and the law has no rule cutting a period short; only notices given after the move
  count twenty days.

Each change is an event on the dispute's timeline with its reason, and an audit event.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tanzim.disputes import rules
from tanzim.disputes.choices import DisputeStatus, EventSubject
from tanzim.disputes.models import AwardNotice, Party
from tanzim.disputes.services._common import _audit, _event, _lock, _today

OPEN_EXCLUDED = (DisputeStatus.CLOSED, DisputeStatus.WITHDRAWN, DisputeStatus.REFERRED)
MOVED_ABROAD = _("The party moved abroad: two months from their notice (art. 446).")
MOVED_BACK = _("The party moved back to Iran: periods already running are kept (art. 446).")


def party_residence_changed(*, user: Any, resident_abroad: bool) -> int:
    """Update the parties of ``user`` in open disputes; returns how many notices' periods grew.

    Runs inside the caller's transaction (``accounts.profile_update``)."""
    from tanzim.disputes.services.award import _award_deadlines_refresh

    grown = 0
    today = _today()
    parties = Party.objects.filter(user=user).exclude(dispute__status__in=OPEN_EXCLUDED).order_by("pk")
    for party in parties:
        dispute = _lock(party.dispute_id)
        Party.objects.filter(pk=party.pk).update(resident_abroad=resident_abroad)
        changed_awards = []
        if resident_abroad:
            notices = AwardNotice.objects.select_for_update().filter(party=party, resident_abroad=False)
            for notice in notices.select_related("award"):
                longer_c, longer_a = rules.award_party_deadlines(notice.notified_on, resident_abroad=True)
                before = (notice.compliance_due, notice.annulment_due)
                if notice.compliance_due >= today:
                    notice.compliance_due = max(notice.compliance_due, longer_c)
                if notice.annulment_due >= today:
                    notice.annulment_due = max(notice.annulment_due, longer_a)
                if (notice.compliance_due, notice.annulment_due) == before:
                    continue
                notice.resident_abroad = True
                notice.save(update_fields=["compliance_due", "annulment_due", "resident_abroad"])
                changed_awards.append(notice.award)
                grown += 1
                _audit(
                    "award.party_moved_abroad",
                    dispute=dispute,
                    actor=user,
                    obj=notice.award,
                    party=party.role,
                    before=[d.isoformat() for d in before],
                    after=[notice.compliance_due.isoformat(), notice.annulment_due.isoformat()],
                )
        _event(
            dispute,
            subject=EventSubject.DISPUTE,
            frm=dispute.status,
            to=("abroad_" if resident_abroad else "in_iran_") + party.role[:10],
            actor=user,
            reason=str(MOVED_ABROAD if resident_abroad else MOVED_BACK),
        )
        for award in changed_awards:
            _award_deadlines_refresh(dispute, award)
    return grown
