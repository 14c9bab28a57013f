"""Helpers for disputes tests: open a dispute, join as the respondent, walk it up the ladder, sign.

The clock (the ``clock`` fixture) stands at Saturday 14 Azar 1405 (5 December 2026), 09:00 in
Tehran: a working day.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from tanzim.common.jalali import TEHRAN
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus, PartyRole
from tanzim.disputes.models import Dispute
from tanzim.notify.models import Message
from tanzim.testing.factories import next_national_code

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=TEHRAN)
RESPONDENT_MOBILE = "+989350001122"


def at(days: int = 0, hour: int = 10, minute: int = 0) -> datetime:
    day = NOW.date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TEHRAN)


def respondent_data(**extra) -> dict:
    return {
        "name": "بهرام بهرامی",
        "mobile": RESPONDENT_MOBILE,
        "national_code": next_national_code(),
        **extra,
    }


def time_facts(category: str) -> dict:
    """The facts a criminal complaint or a cheque must state, far from any time limit: a
    compoundable offence learned of ten days ago, a cheque dated ten days ago."""
    recent = NOW.date() - timedelta(days=10)
    if category == "criminal":
        return {"offence_compoundable": True, "offence_grade": 6, "knowledge_date": recent}
    if category == "cheque":
        return {"cheque_date": recent}
    return {}


def open_dispute(personas, *, category="mahriyeh", claim_amount=400_000_000, actor=None, **extra) -> Dispute:
    extra = {**time_facts(category), **extra}
    return services.dispute_open(
        actor=actor or personas.clerk_a,
        office=personas.office_a,
        category=category,
        claim_amount=claim_amount,
        claimant=services.PartyInput(user=personas.citizen),
        respondent=extra.pop("respondent", None) or respondent_data(),
        summary="مطالبه مهریه",
        **extra,
    )


def last_code(mobile: str, pattern: str = r"(\d{4}-\d{4}-\d{4})") -> str:
    """The newest code texted to a number (the demo inbox does the same for people)."""
    message = Message.objects.filter(to=mobile).order_by("-created_at", "-pk").first()
    assert message is not None, f"no message was sent to {mobile}"
    body = message.body
    found = re.findall(pattern, body.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
    return found[-1]


def last_otp(mobile: str) -> str:
    return last_code(mobile, r"\b(\d{6})\b")


def join_as_respondent(dispute: Dispute, *, national_code: str | None = None):
    respondent = dispute.parties.get(role=PartyRole.RESPONDENT)
    code = last_code(respondent.mobile)
    ticket = services.join_start(
        code=code, national_code=national_code or respondent.national_code, ip="10.0.0.1"
    )
    result = services.join_verify(
        join_code_id=ticket.join_code_id,
        national_code=national_code or respondent.national_code,
        otp=last_otp(respondent.mobile),
    )
    return result


def to_mediation(personas, **kwargs) -> Dispute:
    """Open, triage, invite, respondent joins and accepts: a dispute in mediation with a mediator."""
    dispute = open_dispute(personas, **kwargs)
    dispute = services.dispute_triage(dispute=dispute, actor=personas.clerk_a)
    services.dispute_invite(dispute=dispute, actor=personas.clerk_a)
    joined = join_as_respondent(dispute)
    dispute = services.dispute_respond(dispute=dispute, actor=joined.user, accept=True)
    assert dispute.status == DisputeStatus.MEDIATION
    return dispute


def two_instalments(first_due, second_due) -> list[dict]:
    return [
        {
            "obligor": "respondent",
            "kind": "payment",
            "description": "قسط اول مهریه",
            "amount": 150_000_000,
            "due_date": first_due,
        },
        {
            "obligor": "respondent",
            "kind": "payment",
            "description": "قسط دوم مهریه",
            "amount": 250_000_000,
            "due_date": second_due,
        },
    ]


def sign_all(dispute: Dispute, settlement, personas, respondent_user):
    """Both parties sign with the code texted to them: the claimant herself, the respondent himself."""
    results = []
    for role, user in (("claimant", personas.citizen), ("respondent", respondent_user)):
        party = dispute.parties.get(role=role)
        services.settlement_request_code(settlement=settlement, party=party, actor=user)
        results.append(
            services.settlement_sign(
                settlement=settlement, party=party, actor=user, code=last_otp(party.mobile)
            )
        )
    return results


def settle(personas, dispute: Dispute) -> Dispute:
    """The mediator drafts two instalments and opens the report; both parties sign; the dispute settles."""
    respondent = dispute.parties.get(role="respondent").user
    settlement = services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    settlement = services.settlement_open(settlement=settlement, actor=personas.mediator_a)
    sign_all(dispute, settlement, personas, respondent)
    dispute.refresh_from_db()
    return dispute


def fill_new_dispute(
    page, *, claimant, amount: str, summary: str, respondent_mobile: str, respondent_code: str
) -> None:
    """The clerk's new-dispute form for a مهریه claim, typed as a person types it: Persian digits,
    the claimant's mobile in its local form (browser tests)."""
    from tanzim.testing.browser import persian

    page.select_option("#id_category", "mahriyeh")
    page.fill("#id_claim_amount", persian(amount))
    page.fill("#id_summary", summary)
    page.fill("#id_claimant_national_code", persian(claimant.national_code))
    page.fill("#id_claimant_mobile", persian("0" + claimant.mobile[3:]))
    page.fill("#id_claimant_name", "آلیس احمدی")
    page.fill("#id_respondent_name", "بهرام بهرامی")
    page.fill("#id_respondent_mobile", persian(respondent_mobile))
    page.fill("#id_respondent_national_code", persian(respondent_code))
