"""Helpers for tests about requests (cases): a draft with a respondent."""

from __future__ import annotations

from tanzim.cases import services
from tanzim.cases.choices import PartyRole

RESPONDENT_CODE = "0499370899"


def make_draft(personas, service, *, channel="semi_in_person", actor=None, applicant=None):
    """A draft request at office A with one respondent (a natural person)."""
    actor = actor or personas.citizen
    case = services.case_create(
        actor=actor,
        applicant=applicant,
        service=service,
        channel=channel,
        office=personas.office_a,
        title="مطالبه وجه",
    )
    services.party_add(
        case=case,
        actor=actor,
        role=PartyRole.RESPONDENT,
        kind="natural",
        name="بهرام بهرامی",
        national_code=RESPONDENT_CODE,
    )
    return case
