from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from tanzim.finance import services
from tanzim.finance.api_urls import urlpatterns
from tanzim.finance.models import Payment
from tanzim.testing.files import pdf_bytes, upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments/"


def _body(**changes):
    body = {
        "office": "A0001",
        "service": "civil_petition",
        "channel": "in_person",
        "extra_parties": 0,
        "extra_pages": 1,
        "court_fee": 400_000,
        "reference_id": "my-fee-1",
    }
    body.update(changes)
    return body


def _post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_citizen_creates_a_payment_priced_on_the_server(client, personas):
    client.force_login(personas.citizen)
    response = _post(client, _body(amount=1, office_fee=1), key="idem-000001")
    assert response.status_code == 201
    data = response.json()
    assert data["amount"] == 770_000 + 70_000 + 400_000  # the client's "amount" is ignored
    assert data["status"] == "pending"
    assert data["redirect_url"].startswith("/finance/gateway/")
    payment = Payment.objects.get(uuid=data["id"])
    assert payment.payer == personas.citizen and payment.reference_type == "finance.direct"


def test_the_same_key_returns_the_same_payment_and_a_different_body_is_a_conflict(client, personas):
    client.force_login(personas.citizen)
    first = _post(client, _body(), key="idem-000002")
    again = _post(client, _body(), key="idem-000002")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["redirect_url"] == first.json()["redirect_url"]
    clash = _post(client, _body(extra_pages=4), key="idem-000002")
    assert clash.status_code == 409 and clash.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_a_double_click_without_a_key_returns_the_pending_payment(client, personas):
    client.force_login(personas.citizen)
    first = _post(client, _body())
    second = _post(client, _body())
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]


@pytest.mark.parametrize("key", ["short", "has spaces in it", "x" * 65])
def test_a_malformed_idempotency_key_is_refused(client, personas, key):
    client.force_login(personas.citizen)
    response = _post(client, _body(), key=key)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"office": "Z9999"}, "office"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"extra_pages": -1}, "extra_pages"),
        ({"court_fee": -5}, "court_fee"),
        ({"court_fee": "lots"}, "court_fee"),
        ({"reference_id": ""}, "reference_id"),
        ({"reference_type": "cases.case"}, "reference_type"),
        ({"payer_national_code": "0012345678"}, "payer_national_code"),
    ],
)
def test_a_citizens_bad_request_is_a_400_with_the_field(client, personas, changes, field):
    client.force_login(personas.citizen)
    response = _post(client, _body(**changes))
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_unknown_service_is_a_404(client, personas):
    client.force_login(personas.citizen)
    assert _post(client, _body(service="levitation")).status_code == 404


def test_a_citizen_cannot_waive_their_own_fee(client, personas):
    client.force_login(personas.citizen)
    response = _post(client, _body(free_service=True))
    assert response.status_code == 403
    client.force_login(personas.clerk_a)
    body = _body(free_service=True, court_fee=0, payer_national_code=personas.citizen.national_code)
    refused = _post(client, body)
    assert refused.status_code == 400 and refused.json()["code"] == "free_service_ground_required"
    ground = client.post(
        "/api/v1/free-services/",
        {
            "office": "A0001",
            "ground": "welfare_allowance",
            "evidence_number": "۹۸۷۶۵۴۳۲",
            "confirmation_document": upload("confirmation.pdf", pdf_bytes()),
            "reference_id": body["reference_id"],
        },
    )
    assert ground.status_code == 201 and ground.json()["evidence_number"] == "98765432"
    response = _post(client, body)
    assert response.status_code == 201
    assert response.json()["status"] == "captured" and response.json()["amount"] == 0


def test_a_clerk_opens_a_payment_for_a_citizen_of_any_reference(client, personas):
    client.force_login(personas.clerk_a)
    response = _post(
        client,
        _body(
            reference_type="cases.case", reference_id="77", payer_national_code=personas.citizen.national_code
        ),
    )
    assert response.status_code == 201
    payment = Payment.objects.get(uuid=response.json()["id"])
    assert payment.payer == personas.citizen and payment.created_by == personas.clerk_a
    assert (payment.reference_type, payment.reference_id) == ("cases.case", "77")


def test_an_anonymous_caller_cannot_create_a_payment(client, personas):
    assert _post(client, _body()).status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("citizen", 200),
        ("clerk_a", 200),
        ("manager_a", 200),
        ("kanoon_admin", 200),
        ("province_admin_a", 200),
        ("other_citizen", 404),
        ("clerk_b", 404),
        ("inspector", 404),
    ],
)
def test_a_payment_is_seen_by_its_payer_and_its_office_only(client, personas, make_payment, who, status):
    payment = make_payment()
    client.force_login(getattr(personas, who))
    assert client.get(f"{URL}{payment.uuid}/").status_code == status
    assert client.get(reverse("finance:payment", kwargs={"ref": payment.uuid})).status_code == status
    listed = client.get(URL).json()["results"]
    assert (str(payment.uuid) in {p["id"] for p in listed}) == (status == 200)


def test_a_payment_can_be_looked_up_by_its_number_only_in_scope(client, personas, make_payment):
    payment = make_payment()
    client.force_login(personas.citizen)
    assert client.get(f"{URL}{payment.pk}/").json()["id"] == str(payment.uuid)
    client.force_login(personas.other_citizen)
    assert client.get(f"{URL}{payment.pk}/").status_code == 404
    assert client.get(f"{URL}not-a-reference/").status_code == 404


def test_the_list_filters_by_status(client, personas, make_payment):
    services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    make_payment()
    client.force_login(personas.citizen)
    assert client.get(URL + "?status=captured").json()["count"] == 1
    assert client.get(URL + "?status=pending").json()["count"] == 1
    assert client.get(URL + "?status=weird").status_code == 400


def test_the_payment_list_queries_do_not_grow_with_payments(
    client, personas, make_payment, django_assert_max_num_queries
):
    for _ in range(12):
        make_payment()
    client.force_login(personas.clerk_a)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("finance:payments")).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"), [("clerk_a", 201), ("kanoon_admin", 201), ("clerk_b", 404), ("citizen", 403)]
)
def test_refunds_through_the_api(client, personas, make_payment, who, status):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    client.force_login(getattr(personas, who))
    response = client.post(
        f"{URL}{payment.uuid}/refunds/",
        {"part": "office_fee", "amount": 70_000, "reason": "typo"},
        content_type="application/json",
    )
    assert response.status_code == status


def test_a_refund_above_the_paid_amount_is_a_400(client, personas, make_payment):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    client.force_login(personas.clerk_a)
    response = client.post(
        f"{URL}{payment.uuid}/refunds/",
        {"part": "office_fee", "amount": 770_001, "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "refund_exceeds_paid"


def test_the_openapi_schema_documents_every_money_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in (
        "/api/v1/payments/",
        "/api/v1/payments/callback/",
        "/api/v1/payments/{ref}/",
        "/api/v1/payments/{ref}/refunds/",
        "/api/v1/offices/{code}/statements/{year}/{month}/",
        "/api/v1/settlements/",
        "/api/v1/transparency/{year}/{month}/",
    ):
        assert path in paths, path
    assert "Idempotency-Key" in {p["name"] for p in paths["/api/v1/payments/"]["post"]["parameters"]}


def test_every_money_route_ends_with_a_slash_and_the_callback_without_one_is_redirected(client):
    assert all(str(route.pattern).endswith("/") for route in urlpatterns)
    response = client.post("/api/v1/payments/callback", {}, content_type="application/json")
    assert response.status_code == 308 and response["Location"].endswith("/api/v1/payments/callback/")
