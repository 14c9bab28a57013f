"""Helpers shared by the page, receipt and browser tests of the cases app."""

from __future__ import annotations

from tanzim.cases import services
from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.testing.cases import make_draft


def signed_in(client, user):
    client.force_login(user)
    return client


def submitted_case(personas, service, *, channel: str = "semi_in_person") -> Case:
    case = make_draft(personas, service, channel=channel)
    return services.case_submit(case=case, actor=personas.citizen)


def in_review_case(personas, service, *, channel: str = "semi_in_person") -> Case:
    case = submitted_case(personas, service, channel=channel)
    return services.case_start_review(case=case, actor=personas.clerk_a, expected_status=CaseStatus.SUBMITTED)


def awaiting_payment_case(personas, service, *, channel: str = "semi_in_person") -> Case:
    case = in_review_case(personas, service, channel=channel)
    return services.case_verify(
        case=case,
        actor=personas.clerk_a,
        identity_checked_in_person=channel != "remote",
        expected_status=CaseStatus.IN_REVIEW,
    )
