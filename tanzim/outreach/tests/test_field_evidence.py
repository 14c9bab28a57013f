"""Photo evidence captured in the field, and free services on a Kanoon decision, through the sync."""

import base64
import io

import pytest
from PIL import Image

from tanzim.audit.models import AuditEvent
from tanzim.finance.choices import FreeServiceGround
from tanzim.outreach import services
from tanzim.outreach.models import FieldService
from tanzim.outreach.services.field import PHOTO_MAX_BYTES
from tanzim.testing import outreach as h
from tanzim.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "JPEG", quality=80)
    return out.getvalue()


def data_url(content: bytes, kind: str = "jpeg") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(content).decode()


def sync(personas, mission, items):
    return services.field_sync(mission=mission, actor=personas.clerk_a, items=items)


def test_a_photo_is_stored_with_the_service_once_however_often_it_is_synced(personas):
    mission = h.approved(personas)
    item = {**h.item(1), "photo": data_url(jpeg())}
    for _ in range(3):
        (result,) = sync(personas, mission, [item])
    assert result.outcome in ("created", "duplicate")
    service = FieldService.objects.get()
    assert FieldService.objects.count() == 1
    assert service.evidence_type == "image/jpeg" and len(service.evidence_sha256) == 64
    assert service.evidence.name.endswith(".jpg")
    assert service.national_code not in service.evidence.name  # no personal data in the path
    with service.evidence.open("rb") as stored:
        assert stored.read(3) == b"\xff\xd8\xff"
    event = AuditEvent.objects.get(action="outreach.field_service.recorded")
    assert event.data["photo_sha256"] == service.evidence_sha256
    # The same id with another photo is a conflict, not an overwrite.
    (other,) = sync(personas, mission, [{**item, "photo": data_url(jpeg((40, 40)))}])
    assert other.outcome == "conflict"


@pytest.mark.parametrize(
    "photo",
    [
        data_url(b"\xff\xd8\xff" + b"not really a jpeg" * 20),  # a fake with a JPEG's first bytes
        data_url(pdf_bytes()),  # a PDF posing as an image
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",  # another kind
        "data:image/jpeg;base64,@@@",  # not base64
        data_url(b"\xff" * (PHOTO_MAX_BYTES + 1)),  # too large
    ],
    ids=["fake-jpeg", "pdf", "gif", "not-base64", "too-large"],
)
def test_fake_or_oversized_photos_are_refused_with_a_clear_error_and_nothing_kept(personas, photo):
    mission = h.approved(personas)
    good = h.item(2)
    bad, ok = sync(personas, mission, [{**h.item(1), "photo": photo}, good])
    assert bad.outcome == "conflict"
    assert "photo" in bad.fields and bad.message
    assert ok.outcome == "created"  # the rest of the batch goes through
    assert list(FieldService.objects.values_list("client_id", flat=True)) == [good["client_id"]]


def test_a_service_free_on_a_kanoon_decision_in_the_field(personas, frozen):
    mission = h.approved(personas)
    item = {
        **h.item(3),
        "ground": "kanoon_decision",
        "decision_number": "1405/217",
        "decision_date": "2026-11-11",
        "photo": data_url(jpeg()),
    }
    (result,) = sync(personas, mission, [item])
    assert result.outcome == "created", result
    service = FieldService.objects.get()
    assert service.ground == FreeServiceGround.KANOON_DECISION
    assert service.grant.ground == FreeServiceGround.KANOON_DECISION
    assert service.grant.mission is None
    assert service.grant.evidence_number == "1405/217 1405/08/20"
    assert service.grant.document_sha256 and service.evidence_sha256
    # Replayed: already recorded.
    assert sync(personas, mission, [item])[0].outcome == "duplicate"


def test_a_kanoon_decision_without_its_evidence_is_a_conflict_naming_the_fields(personas):
    mission = h.approved(personas)
    (no_photo, late, unknown) = sync(
        personas,
        mission,
        [
            {
                **h.item(4),
                "ground": "kanoon_decision",
                "decision_number": "12",
                "decision_date": "2026-11-11",
            },
            {
                **h.item(5),
                "ground": "kanoon_decision",
                "decision_number": "12",
                "decision_date": "2027-01-01",
                "photo": data_url(jpeg()),
            },
            {**h.item(6), "ground": "relief_committee"},
        ],
    )
    assert no_photo.outcome == "conflict" and "photo" in no_photo.fields
    assert late.outcome == "conflict" and "decision_date" in late.fields
    assert unknown.outcome == "conflict" and "ground" in unknown.fields
    assert not FieldService.objects.exists()


def test_the_api_takes_a_photo_and_answers_item_by_item(client, personas):
    mission = h.approved(personas)
    client.force_login(personas.clerk_a)
    response = client.post(
        f"/api/v1/outreach/missions/{mission.pk}/sync/",
        {
            "items": [
                {**h.item(7), "photo": data_url(jpeg())},
                {**h.item(8), "photo": "data:image/png;base64,AAAA"},
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    outcomes = [r["outcome"] for r in response.json()["results"]]
    assert outcomes == ["created", "conflict"]
    assert "photo" in response.json()["results"][1]["field_errors"]


def test_an_item_rolled_back_mid_batch_does_not_leave_its_day_claimed_only_in_memory(personas, frozen):
    from tanzim.outreach.models import BeneficiaryDay

    mission = h.approved(personas)
    code = h.national_code(9)
    refused = {
        **h.item(9, code=code),
        "ground": "kanoon_decision",
        "decision_number": "12",
        "decision_date": "2027-01-01",  # after the service: refused inside the item's transaction
        "photo": data_url(jpeg()),
    }
    kept = h.item(10, code=code)
    first, second = sync(personas, mission, [refused, kept])
    assert (first.outcome, second.outcome) == ("conflict", "created")
    assert BeneficiaryDay.objects.filter(national_code=code, office=personas.office_a).count() == 1
    # So office B's mission cannot serve the same person free that day.
    mission_b = h.approved(personas, offices=(personas.office_b,))
    (other,) = services.field_sync(mission=mission_b, actor=personas.clerk_b, items=[h.item(11, code=code)])
    assert other.outcome == "conflict"
