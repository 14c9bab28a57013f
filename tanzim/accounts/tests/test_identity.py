"""The identity step for people abroad: sending a document or a consular reference, the office's
check (audited, refusals with a reason), and legally binding acts refused until it is approved."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tanzim.accounts import identity
from tanzim.accounts.choices import IdentityMethod, IdentityStatus
from tanzim.accounts.models import IdentityCheck
from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError
from tanzim.disputes import services as dispute_services
from tanzim.testing.disputes import NOW, last_otp, to_mediation, two_instalments

pytestmark = pytest.mark.django_db


def passport_png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 160)).save(buffer, "PNG")
    return SimpleUploadedFile("passport.png", buffer.getvalue(), content_type="image/png")


def _abroad(user):
    user.resident_abroad = True
    user.time_zone = "Europe/Berlin"
    user.save(update_fields=["resident_abroad", "time_zone"])
    return user


def test_a_person_in_iran_needs_no_check(personas):
    assert identity.identity_verified(personas.citizen)
    identity.require_identity(personas.citizen)  # no error


def test_a_person_abroad_is_refused_with_a_link_until_an_office_approves(personas):
    user = _abroad(personas.citizen)
    with pytest.raises(identity.IdentityRequiredError) as refused:
        identity.require_identity(user)
    assert refused.value.code == "identity_required"
    assert "/account/identity/" in str(refused.value.message)
    check = identity.identity_submit(
        user=user, office_id=personas.office_a.pk, method=IdentityMethod.DOCUMENT, upload=passport_png()
    )
    assert check.status == IdentityStatus.PENDING and check.sha256 and check.content_type == "image/png"
    assert not identity.identity_verified(user)  # pending is not enough
    done = identity.identity_review(actor=personas.clerk_a, check_id=check.pk, approve=True)
    assert done.status == IdentityStatus.APPROVED and done.reviewed_by == personas.clerk_a
    assert identity.identity_verified(user)
    actions = list(AuditEvent.objects.filter(object_id=str(check.pk)).values_list("action", flat=True))
    assert "accounts.identity.submitted" in actions and "accounts.identity.approved" in actions


def test_a_refusal_needs_a_reason_and_the_person_can_send_again(personas):
    user = _abroad(personas.citizen)
    check = identity.identity_submit(
        user=user, office_id=personas.office_a.pk, method=IdentityMethod.CONSULAR, reference=" ber-2026/0042 "
    )
    assert check.consular_reference == "BER-2026/0042"
    with pytest.raises(DomainError) as no_reason:
        identity.identity_review(actor=personas.clerk_a, check_id=check.pk, approve=False, reason="  ")
    assert "reason" in no_reason.value.fields
    refused = identity.identity_review(
        actor=personas.clerk_a, check_id=check.pk, approve=False, reason="The reference is not in the system."
    )
    assert refused.status == IdentityStatus.REFUSED
    assert refused.refusal_reason == "The reference is not in the system."
    event = AuditEvent.objects.get(action="accounts.identity.refused", object_id=str(check.pk))
    assert event.data["reason"] == "The reference is not in the system."
    assert not identity.identity_verified(user)
    again = identity.identity_submit(
        user=user, office_id=personas.office_a.pk, method=IdentityMethod.DOCUMENT, upload=passport_png()
    )
    assert again.status == IdentityStatus.PENDING


def test_bad_input_is_a_clear_error_and_nothing_is_stored(personas):
    user = _abroad(personas.citizen)
    cases = [
        ({"method": "selfie", "office_id": personas.office_a.pk}, "method"),
        ({"method": IdentityMethod.DOCUMENT, "office_id": None}, "office"),
        ({"method": IdentityMethod.DOCUMENT, "office_id": "x"}, "office"),
        ({"method": IdentityMethod.DOCUMENT, "office_id": personas.office_a.pk}, "document"),
        (
            {
                "method": IdentityMethod.DOCUMENT,
                "office_id": personas.office_a.pk,
                "upload": SimpleUploadedFile("p.png", b"not a picture"),
            },
            "document",
        ),
        (
            {"method": IdentityMethod.CONSULAR, "office_id": personas.office_a.pk, "reference": ""},
            "reference",
        ),
        (
            {"method": IdentityMethod.CONSULAR, "office_id": personas.office_a.pk, "reference": "A" * 41},
            "reference",
        ),
        (
            {"method": IdentityMethod.CONSULAR, "office_id": personas.office_a.pk, "reference": "<b>1</b>"},
            "reference",
        ),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as refused:
            identity.identity_submit(user=user, **kwargs)
        assert field in refused.value.fields, kwargs
    assert not IdentityCheck.objects.exists()


def test_one_pending_check_at_a_time(personas):
    user = _abroad(personas.citizen)
    identity.identity_submit(user=user, office_id=personas.office_a.pk, method="consular", reference="X1")
    with pytest.raises(ConflictError):
        identity.identity_submit(user=user, office_id=personas.office_a.pk, method="consular", reference="X2")
    assert IdentityCheck.objects.count() == 1


def test_another_offices_check_is_not_found_and_cannot_be_decided(personas):
    user = _abroad(personas.citizen)
    check = identity.identity_submit(
        user=user, office_id=personas.office_a.pk, method="consular", reference="X1"
    )
    for outsider in (personas.clerk_b, personas.other_citizen, personas.mediator_a):
        with pytest.raises(NotFoundError):
            identity.identity_review(actor=outsider, check_id=check.pk, approve=True)
        with pytest.raises(NotFoundError):
            identity.identity_check_for_staff(user=outsider, check_id=check.pk)
        assert identity.identity_checks_to_review(user=outsider) == []
    assert identity.identity_checks_to_review(user=personas.clerk_a) == [check]
    check.refresh_from_db()
    assert check.status == IdentityStatus.PENDING
    done = identity.identity_review(actor=personas.manager_a, check_id=check.pk, approve=True)
    with pytest.raises(ConflictError):  # decided once: a second decision is refused, not overwritten
        identity.identity_review(actor=personas.clerk_a, check_id=check.pk, approve=False, reason="late")
    done.refresh_from_db()
    assert done.status == IdentityStatus.APPROVED


def _signing(personas):
    dispute = to_mediation(personas)
    settlement = dispute_services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    return dispute, dispute_services.settlement_open(settlement=settlement, actor=personas.mediator_a)


@time_machine.travel(NOW, tick=False)
def test_a_claimant_abroad_signs_a_settlement_only_once_verified(personas):
    dispute, settlement = _signing(personas)
    user = _abroad(personas.citizen)
    party = dispute.parties.get(role="claimant")
    with pytest.raises(identity.IdentityRequiredError):
        dispute_services.settlement_request_code(settlement=settlement, party=party, actor=user)
    with pytest.raises(identity.IdentityRequiredError):
        dispute_services.settlement_sign(settlement=settlement, party=party, actor=user, code="123456")
    check = identity.identity_submit(
        user=user, office_id=personas.office_a.pk, method="consular", reference="B1"
    )
    identity.identity_review(actor=personas.clerk_a, check_id=check.pk, approve=True)
    dispute_services.settlement_request_code(settlement=settlement, party=party, actor=user)
    result = dispute_services.settlement_sign(
        settlement=settlement, party=party, actor=user, code=last_otp(party.mobile)
    )
    assert not result.already_signed


@time_machine.travel(NOW, tick=False)
def test_an_office_signing_for_a_party_in_front_of_it_is_not_gated(personas):
    dispute, settlement = _signing(personas)
    _abroad(personas.citizen)
    party = dispute.parties.get(role="claimant")
    sent = dispute_services.settlement_request_code(
        settlement=settlement, party=party, actor=personas.clerk_a
    )
    assert sent.masked_mobile
