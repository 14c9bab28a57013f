"""The disputes API: the ladder end to end, the error envelope, and the permission matrix
(every persona × own / other office, the allowed and the denied)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tanzim.accounts.models import User
from tanzim.accounts.services import api_token_issue
from tanzim.disputes import services
from tanzim.disputes.models import Dispute
from tanzim.testing.disputes import (
    RESPONDENT_MOBILE,
    at,
    last_code,
    last_otp,
    open_dispute,
    respondent_data,
    to_mediation,
)

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def create_payload(**extra) -> dict:
    return {
        "office": "A0001",
        "category": "mahriyeh",
        "claim_amount": 300_000_000,
        "summary": "مهریه",
        "claimant": {"name": "آلیس احمدی", "national_code": "", "mobile": ""},
        "respondent": respondent_data(),
        **extra,
    }


def test_a_clerk_opens_and_triages_a_dispute_with_an_idempotency_key(personas, clock):
    payload = create_payload(
        claimant={
            "name": "آلیس",
            "national_code": personas.citizen.national_code,
            "mobile": personas.citizen.mobile,
        }
    )
    first = api(personas.clerk_a).post(
        "/api/v1/disputes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-00000001"
    )
    again = api(personas.clerk_a).post(
        "/api/v1/disputes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-00000001"
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "triaged" and body["path"] == "mediation" and body["eligible"] is True
    assert {p["role"] for p in body["parties"]} == {"claimant", "respondent"}
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert Dispute.objects.count() == 1


def test_bad_input_gets_the_error_envelope_with_fields(personas, clock):
    response = api(personas.clerk_a).post(
        "/api/v1/disputes/", create_payload(category="divorce", claim_amount=-1), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and {"category", "claim_amount"} <= set(body["fields"])
    unknown = api(personas.clerk_a).post("/api/v1/disputes/", create_payload(office="ZZZ"), format="json")
    assert unknown.status_code == 400 and "office" in unknown.json()["fields"]


def test_a_clerk_cannot_open_a_dispute_at_another_office(personas, clock):
    response = api(personas.clerk_b).post("/api/v1/disputes/", create_payload(), format="json")
    assert response.status_code == 404


def test_the_whole_mediation_ladder_through_the_api(personas, clock):
    clerk = api(personas.clerk_a)
    dispute = open_dispute(personas)
    moved = clerk.post(f"/api/v1/disputes/{dispute.pk}/actions/", {"action": "triage"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "triaged"
    invited = clerk.post(
        f"/api/v1/disputes/{dispute.pk}/actions/",
        {"action": "invite", "expected_status": "triaged"},
        format="json",
    )
    assert invited.status_code == 200 and invited.json()["invite_attempts"] == 1
    assert "code" not in invited.json()

    national_code = dispute.parties.get(role="respondent").national_code
    ticket = api().post(
        "/api/v1/disputes/join/", {"code": last_code(RESPONDENT_MOBILE), "national_code": national_code}
    )
    assert ticket.status_code == 200, ticket.content
    joined = api().post(
        "/api/v1/disputes/join/verify/",
        {
            "ticket": ticket.json()["ticket"],
            "national_code": national_code,
            "otp": last_otp(RESPONDENT_MOBILE),
        },
    )
    assert joined.status_code == 200 and joined.json()["dispute"] == dispute.pk
    respondent = APIClient(HTTP_AUTHORIZATION=f"Token {joined.json()['token']}")
    accepted = respondent.post(f"/api/v1/disputes/{dispute.pk}/actions/", {"action": "accept"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "mediation"

    mediator = api(personas.mediator_a)
    session = mediator.post(
        f"/api/v1/disputes/{dispute.pk}/sessions/",
        {"starts_at": at(1, 10).isoformat(), "minutes": 60},
        format="json",
    )
    assert session.status_code == 201, session.content
    clock.move_to(at(1, 12))
    recorded = mediator.post(
        f"/api/v1/disputes/{dispute.pk}/sessions/{session.json()['id']}/record/",
        {"status": "held", "result": "agreement"},
        format="json",
    )
    assert recorded.status_code == 200 and recorded.json()["status"] == "held"
    drafted = mediator.put(
        f"/api/v1/disputes/{dispute.pk}/settlement/",
        {
            "terms": "سازش",
            "obligations": [
                {
                    "obligor": "respondent",
                    "description": "قسط اول",
                    "amount": 100_000_000,
                    "due_date": "2027-01-10",
                },
                {
                    "obligor": "respondent",
                    "description": "قسط دوم",
                    "amount": 200_000_000,
                    "due_date": "2027-02-10",
                },
            ],
        },
        format="json",
    )
    assert drafted.status_code == 200 and drafted.json()["total"] == 300_000_000
    opened = mediator.post(f"/api/v1/disputes/{dispute.pk}/settlement/open/")
    assert opened.status_code == 200 and opened.json()["status"] == "signing"

    # A day later the token of the join has expired (API_TOKEN_TTL): the respondent signs in again.
    assert respondent.get(f"/api/v1/disputes/{dispute.pk}/").status_code == 401
    respondent_user = User.objects.get(national_code=national_code)
    respondent = APIClient(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=respondent_user).key}")

    claimant = api(personas.citizen)
    sent = claimant.post(
        f"/api/v1/disputes/{dispute.pk}/settlement/code/", {"party": "claimant"}, format="json"
    )
    assert sent.status_code == 200 and not sent.json()["already_signed"]
    signed = claimant.post(
        f"/api/v1/disputes/{dispute.pk}/settlement/sign/",
        {"party": "claimant", "code": last_otp(personas.citizen.mobile)},
        format="json",
    )
    assert signed.status_code == 200 and signed.json()["settlement"]["signed_by"] == ["claimant"]
    twice = claimant.post(
        f"/api/v1/disputes/{dispute.pk}/settlement/sign/",
        {"party": "claimant", "code": "000000"},
        format="json",
    )
    assert twice.status_code == 200 and twice.json()["already_signed"] is True and twice.json()["message"]
    respondent.post(f"/api/v1/disputes/{dispute.pk}/settlement/code/", {"party": "respondent"}, format="json")
    done = respondent.post(
        f"/api/v1/disputes/{dispute.pk}/settlement/sign/",
        {"party": "respondent", "code": last_otp(RESPONDENT_MOBILE)},
        format="json",
    )
    assert done.status_code == 200 and done.json()["completed"] is True
    detail = claimant.get(f"/api/v1/disputes/{dispute.pk}/").json()
    assert detail["status"] == "settled" and detail["settlement"]["status"] == "signed"
    pdf = claimant.get(f"/api/v1/disputes/{dispute.pk}/settlement.pdf/", follow=True)
    assert pdf.redirect_chain[0][0].startswith("/files/")  # the signed report is a stored file
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    events = claimant.get(f"/api/v1/disputes/{dispute.pk}/events/").json()
    assert [e["to_status"] for e in events if e["subject"] == "dispute"][-1] == "settled"


def test_a_stale_action_gets_a_409_in_the_envelope(personas, clock):
    dispute = services.dispute_triage(dispute=open_dispute(personas), actor=personas.clerk_a)
    response = api(personas.clerk_a).post(
        f"/api/v1/disputes/{dispute.pk}/actions/",
        {"action": "invite", "expected_status": "intake"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "stale_status"


def test_a_failure_reason_must_be_one_of_the_codes(personas, clock):
    dispute = to_mediation(personas)
    response = api(personas.mediator_a).post(
        f"/api/v1/disputes/{dispute.pk}/actions/", {"action": "fail", "reason": "tired"}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    ok = api(personas.mediator_a).post(
        f"/api/v1/disputes/{dispute.pk}/actions/", {"action": "fail", "reason": "no_agreement"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["failure_reason"] == "no_agreement"


def test_the_join_endpoints_reveal_nothing(personas, clock):
    response = api().post("/api/v1/disputes/join/", {"code": "1234-5678-9012", "national_code": "0012345679"})
    assert response.status_code == 400 and response.json()["code"] == "join_invalid"


def test_a_route_without_its_trailing_slash_is_redirected_keeping_the_method(personas, clock):
    response = api().post("/api/v1/disputes/join", {"code": "1234-5678-9012", "national_code": "0012345679"})
    assert response.status_code == 308 and response["Location"].endswith("/api/v1/disputes/join/")
    dispute = open_dispute(personas)
    old = api(personas.clerk_a).get(f"/api/v1/disputes/{dispute.pk}/settlement")
    assert old.status_code == 308 and old["Location"].endswith(f"/api/v1/disputes/{dispute.pk}/settlement/")


# --- the permission matrix ----------------------------------------------------------------------------

READERS_OF_A = {
    "clerk_a": 200,
    "manager_a": 200,
    "mediator_a": 200,
    "arbitrator_a": 404,
    "consultant_a": 404,
    "clerk_b": 404,
    "citizen": 200,
    "other_citizen": 404,
    "inspector": 200,
    "province_admin_a": 200,
    "kanoon_admin": 200,
    "partner": 404,
}


@pytest.mark.parametrize(("persona", "expected"), sorted(READERS_OF_A.items()))
def test_who_sees_a_dispute_of_office_a(personas, clock, persona, expected):
    dispute = to_mediation(personas)
    response = api(getattr(personas, persona)).get(f"/api/v1/disputes/{dispute.pk}/")
    assert response.status_code == expected
    listed = api(getattr(personas, persona)).get("/api/v1/disputes/").json()
    assert (dispute.pk in [d["id"] for d in listed]) == (expected == 200)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("clerk_b", 200), ("clerk_a", 404), ("province_admin_a", 404), ("kanoon_admin", 200), ("citizen", 200)],
)
def test_who_sees_a_dispute_of_office_b(personas, clock, persona, expected):
    dispute = services.dispute_open(
        actor=personas.clerk_b,
        office=personas.office_b,
        category="lease",
        claimant=services.PartyInput(user=personas.citizen),
        respondent=respondent_data(),
    )
    assert api(getattr(personas, persona)).get(f"/api/v1/disputes/{dispute.pk}/").status_code == expected


TRIAGE = {
    "clerk_a": 200,
    "manager_a": 200,
    "citizen": 403,
    "inspector": 403,
    "kanoon_admin": 403,
    "province_admin_a": 403,
    "clerk_b": 404,
    "other_citizen": 404,
    "mediator_a": 404,
    "partner": 404,
}


@pytest.mark.parametrize(("persona", "expected"), sorted(TRIAGE.items()))
def test_who_triages(personas, clock, persona, expected):
    dispute = open_dispute(personas)
    response = api(getattr(personas, persona)).post(
        f"/api/v1/disputes/{dispute.pk}/actions/", {"action": "triage"}, format="json"
    )
    assert response.status_code == expected
    dispute.refresh_from_db()
    assert (dispute.status == "triaged") == (expected == 200)


SCHEDULE = {
    "mediator_a": 201,
    "clerk_a": 201,
    "citizen": 403,
    "inspector": 403,
    "clerk_b": 404,
    "arbitrator_a": 404,
}


@pytest.mark.parametrize(("persona", "expected"), sorted(SCHEDULE.items()))
def test_who_sets_a_session(personas, clock, persona, expected):
    dispute = to_mediation(personas)
    response = api(getattr(personas, persona)).post(
        f"/api/v1/disputes/{dispute.pk}/sessions/", {"starts_at": at(2, 11).isoformat()}, format="json"
    )
    assert response.status_code == expected


REFER = {
    "clerk_a": 201,
    "manager_a": 201,
    "mediator_a": 403,
    "citizen": 403,
    "kanoon_admin": 403,
    "clerk_b": 404,
}


@pytest.mark.parametrize(("persona", "expected"), sorted(REFER.items()))
def test_who_refers_a_dispute(personas, clock, persona, expected):
    dispute = to_mediation(personas)
    services.dispute_fail(dispute=dispute, actor=personas.mediator_a, reason="no_agreement")
    response = api(getattr(personas, persona)).post(
        f"/api/v1/disputes/{dispute.pk}/referrals/", {}, format="json"
    )
    assert response.status_code == expected


def test_metrics_are_for_staff_and_the_kanoon_and_figures_are_public(personas, clock):
    assert api(personas.kanoon_admin).get("/api/v1/disputes/metrics/").status_code == 200
    assert api(personas.clerk_a).get("/api/v1/disputes/metrics/").status_code == 200
    assert api(personas.citizen).get("/api/v1/disputes/metrics/").status_code == 403
    assert api().get("/api/v1/disputes/metrics/").status_code in (401, 403)
    public = api().get("/api/v1/disputes/figures/", {"year": 1405})
    assert public.status_code == 200 and "nation" in public.json() and public.json()["offices"] == []
    assert api().get("/api/v1/disputes/figures/", {"year": 99}).status_code == 400


def test_the_board_counts_disputes_by_stage(personas, clock):
    to_mediation(personas)
    open_dispute(personas)
    board = api(personas.clerk_a).get("/api/v1/disputes/board/").json()
    counts = {c["status"]: c["count"] for c in board["columns"]}
    assert counts["intake"] == 1 and counts["mediation"] == 1 and board["total"] == 2
    assert api(personas.clerk_b).get("/api/v1/disputes/board/").json()["total"] == 0


def test_the_docket_lists_the_mediators_disputes(personas, clock):
    dispute = to_mediation(personas)
    assert [d["id"] for d in api(personas.mediator_a).get("/api/v1/disputes/docket/").json()] == [dispute.pk]
    assert api(personas.clerk_b).get("/api/v1/disputes/docket/").json() == []


def test_the_triage_rules_are_listed(personas):
    rules = api(personas.citizen).get("/api/v1/disputes/triage-rules/").json()
    assert {r["category"] for r in rules} >= {"mahriyeh", "criminal", "other"}
    assert next(r for r in rules if r["category"] == "money_claim")["ceiling"] == 1_000_000_000


def test_a_party_sees_the_other_partys_identifiers_masked_and_the_office_sees_them_in_full(personas, clock):
    dispute = to_mediation(personas)
    respondent = dispute.parties.get(role="respondent")
    as_respondent = api(respondent.user).get(f"/api/v1/disputes/{dispute.pk}/").json()["parties"]
    claimant_row = next(p for p in as_respondent if p["role"] == "claimant")
    own_row = next(p for p in as_respondent if p["role"] == "respondent")
    assert "***" in claimant_row["national_code"] and "***" in claimant_row["mobile"]
    assert own_row["national_code"] == respondent.national_code
    as_clerk = api(personas.clerk_a).get(f"/api/v1/disputes/{dispute.pk}/").json()["parties"]
    assert (
        next(p for p in as_clerk if p["role"] == "claimant")["national_code"]
        == personas.citizen.national_code
    )
