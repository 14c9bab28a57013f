"""Inputs that used to crash the server (issue 13, defect 3) now get a 400 (or a 404) in the envelope.

Each test sends the attack as it was reported and asserts the answer: a client error with the
error envelope ``{"code", "message", "fields"}``, never a 500 and never an HTML page.
"""

from __future__ import annotations

import json
import struct
import zlib
from datetime import datetime

import pytest
import time_machine
from django.test import override_settings
from django.urls import path, reverse
from rest_framework import parsers
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tanzim.common.errors import DomainError
from tanzim.common.uploads import inspect_upload
from tanzim.testing.cases import make_draft
from tanzim.testing.files import png_bytes, upload

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-05T09:00:00+03:30")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if code is not None:
        assert body["code"] == code
    return body


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed PNG whose header declares ``width`` × ``height`` pixels, with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# --- figures for an office outside the caller's reach ---------------------------------------------


@pytest.mark.parametrize("whose", ["other office", "no such office"])
def test_dispute_figures_for_an_office_outside_scope_are_a_404_not_a_crash(personas, whose):
    office = personas.office_a.pk if whose == "other office" else 999_999

    response = client_for(personas.clerk_b).get(reverse("api:dispute-metrics"), {"office": office})

    assert_envelope(response, 404, "not_found")


def test_dispute_figures_for_an_office_in_scope_still_answer(personas):
    response = client_for(personas.clerk_a).get(
        reverse("api:dispute-metrics"), {"office": personas.office_a.pk}
    )

    assert response.status_code == 200
    assert set(response.json()) >= {"nation", "provinces", "offices"}


# --- a decompression bomb -------------------------------------------------------------------------


def test_a_png_declaring_30000_by_30000_pixels_is_refused_as_a_bad_file():
    bomb = png_declaring(30_000, 30_000)
    assert len(bomb) < 200

    with pytest.raises(DomainError) as refused:
        inspect_upload(upload("bomb.png", bomb, "image/png"))

    assert refused.value.code == "image_too_large"
    assert "file" in refused.value.fields


def test_a_png_just_over_the_pixel_limit_is_refused_too(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1_000_000

    with pytest.raises(DomainError) as refused:
        inspect_upload(upload("big.png", png_declaring(1001, 1000), "image/png"))

    assert refused.value.code == "image_too_large"


def test_an_ordinary_photo_still_passes_the_pixel_limit():
    assert inspect_upload(upload("ok.png", png_bytes(), "image/png")).content_type == "image/png"


def test_a_decompression_bomb_uploaded_to_a_case_is_a_400_in_the_envelope(personas):
    from tanzim.catalog.models import Service

    case = make_draft(personas, Service.objects.get(code="civil_petition"))

    response = client_for(personas.citizen).post(
        reverse("api:case-documents", args=[case.pk]),
        {"file": upload("bomb.png", png_declaring(30_000, 30_000), "image/png")},
        format="multipart",
    )

    assert_envelope(response, 400, "image_too_large")


# --- amounts past a 64-bit integer ------------------------------------------------------------------


def test_a_claim_amount_of_ten_to_the_nineteen_rials_is_a_400_on_a_new_case(personas):
    response = client_for(personas.citizen).post(
        reverse("api:case-list"),
        {
            "service": "civil_petition",
            "channel": "semi_in_person",
            "office": "A0001",
            "title": "مطالبه وجه",
            "claim_amount": 10**19,
        },
        format="json",
    )

    body = assert_envelope(response, 400, "invalid")
    assert "claim_amount" in body["fields"]


def test_a_claim_amount_of_ten_to_the_nineteen_rials_is_a_400_on_an_update(personas):
    from tanzim.catalog.models import Service

    case = make_draft(personas, Service.objects.get(code="civil_petition"))

    response = client_for(personas.citizen).patch(
        reverse("api:case-detail", args=[case.pk]), {"claim_amount": 10**19}, format="json"
    )

    body = assert_envelope(response, 400, "invalid")
    assert "claim_amount" in body["fields"]


def test_a_dispute_claim_of_ten_to_the_nineteen_rials_is_a_400(personas):
    response = client_for(personas.clerk_a).post(
        reverse("api:dispute-list"),
        {"office": "A0001", "category": "mahriyeh", "claim_amount": 10**19},
        format="json",
    )

    body = assert_envelope(response, 400, "invalid")
    assert "claim_amount" in body["fields"]


# --- a date at the end of the calendar --------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1700-01-01"])
def test_appointments_on_a_day_at_the_end_of_the_calendar_are_a_400(personas, day):
    response = client_for(personas.citizen).get(reverse("api:appointment-list"), {"date": day})

    body = assert_envelope(response, 400, "invalid")
    assert "date" in body["fields"]


@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_suggestions_from_or_to_the_end_of_the_calendar_are_a_400(personas, name):
    response = client_for(personas.citizen).get(
        reverse("api:appointment-availability"),
        {"office": "A0001", "service": "civil_petition", name: "9999-12-31"},
    )

    body = assert_envelope(response, 400, "invalid")
    assert name in body["fields"]


# --- JSON nested deeper than any request needs ------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 200])
def test_a_json_body_nested_deeper_than_the_limit_is_a_400(personas, depth):
    body = "[" * depth + "]" * depth

    response = client_for(personas.citizen).post(
        reverse("api:case-list"), body, content_type="application/json"
    )

    assert_envelope(response, 400, "parse_error")


def test_a_json_object_nested_deeply_is_a_400_too(personas):
    body = '{"a":' * 5000 + "1" + "}" * 5000

    response = client_for(personas.citizen).post(
        reverse("api:fee-quote"), body, content_type="application/json"
    )

    assert_envelope(response, 400, "parse_error")


def test_ordinary_nesting_is_still_parsed(personas):
    response = client_for(personas.citizen).post(
        reverse("api:fee-quote"), {"service": "civil_petition", "channel": "remote"}, format="json"
    )

    assert response.status_code == 200


class _PlainDrfJsonView(APIView):
    """A view that lists DRF's own JSON parser, as a few upload views do."""

    parser_classes = [parsers.JSONParser]
    permission_classes: list = []

    def post(self, request):
        return Response({"keys": len(request.data)})


class _PlainParserUrls:
    urlpatterns = [path("api/v1/plain/", _PlainDrfJsonView.as_view())]


@pytest.mark.parametrize("depth", [100_000, 200])
def test_deep_json_is_a_400_even_for_a_view_with_drfs_own_parser(depth):
    with override_settings(ROOT_URLCONF=_PlainParserUrls):
        response = APIClient(raise_request_exception=False).post(
            "/api/v1/plain/", "[" * depth + "]" * depth, content_type="application/json"
        )

    assert_envelope(response, 400, "parse_error")


def test_brackets_inside_strings_do_not_count_as_nesting():
    with override_settings(ROOT_URLCONF=_PlainParserUrls):
        response = APIClient().post(
            "/api/v1/plain/",
            json.dumps({"text": "[" * 500, "more": "{{{" * 100}),
            content_type="application/json",
        )

    assert response.status_code == 200
    assert response.json() == {"keys": 2}


# --- a NUL character: PostgreSQL cannot take one, so a filter passing it on was a 500 ------------
# (found by the security probe's schemathesis run against the production stack on PostgreSQL)


@pytest.mark.parametrize(
    ("persona", "address"),
    [
        ("citizen", "/api/v1/appointments/availability/?office=A%000001&service=case_followup"),
        ("kanoon_admin", "/api/v1/cases/metrics/?office=A0%0001"),
        ("kanoon_admin", "/api/v1/inspections/risk/?province=TH%00R"),
    ],
)
def test_a_nul_character_in_a_filter_is_a_400_in_the_envelope(personas, persona, address):
    response = client_for(getattr(personas, persona)).get(address)

    assert response.status_code == 400
    name = address.split("?")[1].split("%00")[0].rsplit("&", 1)[-1].split("=")[0]
    assert list(response.json()["fields"]) == [name]


def test_a_nul_character_in_a_page_address_or_a_form_is_the_400_page(personas, client):
    client.force_login(personas.citizen)

    assert client.get("/cases/?q=a%00b").status_code == 400
    refused = client.post("/feedback/complaints/new/", {"description": "a\x00b", "category": "delay"})
    assert refused.status_code == 400 and "text/html" in refused["Content-Type"]


def test_an_ordinary_filter_passes_the_check(personas):
    address = "/api/v1/appointments/availability/?office=A0001&service=case_followup"

    assert client_for(personas.citizen).get(address).status_code == 200
