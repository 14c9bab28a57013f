"""Referrals to partner bodies: prepared, checked against the checklist, sent, moved by the partner
to an outcome that lands on the dispute's history, then closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.choices import ReferralStatus as DisputeReferralStatus
from tanzim.disputes.models import Dispute, DisputeEvent
from tanzim.partners import selectors, services
from tanzim.partners.choices import OutcomeCode, PartnerKind, ReferralStatus
from tanzim.partners.models import Referral, ReferralEvent
from tanzim.partners.signals import referral_outcome
from tanzim.testing.disputes import NOW, open_dispute
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.partners import attach_required, make_member, make_partner, sent_referral

pytestmark = pytest.mark.django_db


def test_a_clerk_prepares_a_referral_of_a_dispute_to_the_nearest_branch(personas, council, clock):
    dispute = open_dispute(personas)
    referral = services.referral_prepare(actor=personas.clerk_a, kind=council, dispute=dispute, note="فوری")
    assert referral.status == ReferralStatus.PREPARED
    assert referral.branch.partner_id == council.partner_id
    assert referral.bundle["reference"] == dispute.reference
    assert referral.citizen == personas.citizen
    # A council decides the dispute: the dispute's own referral is packed and the dispute moves.
    assert Dispute.objects.get(pk=dispute.pk).status == DisputeStatus.REFERRED
    assert referral.dispute_referral.status == DisputeReferralStatus.PACKED
    assert ReferralEvent.objects.filter(referral=referral, to_status="prepared").count() == 1


def test_the_nearest_branch_is_in_the_office_city(personas, clock):
    from datetime import time

    from tanzim.offices.models import City
    from tanzim.partners.models import Branch

    kind = make_partner(PartnerKind.FORENSIC, city=personas.office_b.city)
    near = Branch.objects.create(
        partner=kind.partner,
        name_fa="تهران",
        name_en="Tehran",
        city=City.objects.get(code="THR-01"),
        address="x",
        opens=time(8),
        closes=time(14),
    )
    dispute = open_dispute(personas)
    referral = services.referral_prepare(actor=personas.clerk_a, kind=kind, dispute=dispute)
    assert referral.branch == near
    # Beside the dispute (an examination): the dispute's stage is untouched.
    assert Dispute.objects.get(pk=dispute.pk).status != DisputeStatus.REFERRED


def test_a_referral_missing_a_required_document_is_refused(personas, council, clock):
    referral = services.referral_prepare(actor=personas.clerk_a, kind=council, dispute=open_dispute(personas))
    with pytest.raises(DomainError) as refused:
        services.referral_send(referral=referral, actor=personas.clerk_a)
    assert refused.value.code == "documents_missing"
    assert "Document claim" in str(refused.value.fields["documents"][0]) or "سند claim" in str(
        refused.value.fields["documents"][0]
    )
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.PREPARED


def test_sending_starts_the_partner_clocks_and_records_the_dispute_tracking(personas, council, clock):
    referral = sent_referral(personas, council)
    assert referral.status == ReferralStatus.SENT
    assert referral.ack_due_at == NOW + timedelta(days=3)
    assert referral.outcome_due_at == NOW + timedelta(days=20)
    assert referral.dispute_referral.status == DisputeReferralStatus.SENT
    assert referral.dispute_referral.tracking_reference == referral.reference


def test_the_partner_acknowledges_works_and_sends_the_outcome_which_the_dispute_shows(
    personas, council, clock, after_commit
):
    referral = sent_referral(personas, council)
    member = make_member(council.partner)
    referral = services.referral_acknowledge(referral=referral, actor=member, partner_reference="ش-۱۴۰۵/۲۲")
    assert referral.partner_reference == "ش-1405/22"
    referral = services.referral_start(referral=referral, actor=member, expected_status="received")
    heard = []
    referral_outcome.connect(lambda **kw: heard.append(kw["referral_id"]), weak=False, dispatch_uid="t")
    try:
        referral = services.referral_record_outcome(
            referral=referral,
            actor=member,
            outcome_code=OutcomeCode.SETTLED,
            note="سازش شد",
            upload=upload("outcome.pdf", pdf_bytes()),
        )
        after_commit()
    finally:
        referral_outcome.disconnect(dispatch_uid="t")
    assert heard == [referral.pk]
    assert referral.status == ReferralStatus.OUTCOME
    assert referral.documents.filter(is_outcome=True).count() == 1
    words = list(
        DisputeEvent.objects.filter(dispute=referral.dispute, subject="referral").values_list(
            "to_status", flat=True
        )
    )
    assert words[-3:] == ["partner_sent", "partner_received", "partner_outcome"] or "partner_outcome" in words
    assert DisputeEvent.objects.filter(dispute=referral.dispute, to_status="partner_outcome").exists()
    closed = services.referral_close(referral=referral, actor=personas.clerk_a)
    assert closed.status == ReferralStatus.CLOSED


def test_an_outcome_for_a_closed_referral_is_refused(personas, council, clock):
    referral = sent_referral(personas, council)
    referral = services.referral_acknowledge(
        referral=referral, actor=personas.clerk_a, partner_reference="AB-1234"
    )
    referral = services.referral_record_outcome(
        referral=referral, actor=personas.clerk_a, outcome_code=OutcomeCode.DISMISSED
    )
    services.referral_close(referral=referral, actor=personas.clerk_a)
    with pytest.raises(ConflictError) as refused:
        services.referral_record_outcome(
            referral=referral, actor=personas.clerk_a, outcome_code=OutcomeCode.SETTLED
        )
    assert refused.value.code == "referral_concluded"
    assert Referral.objects.get(pk=referral.pk).outcome_code == OutcomeCode.DISMISSED


def test_a_stale_expected_status_and_a_forbidden_move_are_conflicts(personas, council, clock):
    referral = sent_referral(personas, council)
    with pytest.raises(ConflictError) as stale:
        services.referral_start(referral=referral, actor=personas.clerk_a, expected_status="received")
    assert stale.value.code == "stale_status"
    with pytest.raises(ConflictError) as forbidden:
        services.referral_close(referral=referral, actor=personas.clerk_a)
    assert forbidden.value.code == "transition_not_allowed"


def test_a_return_needs_a_reason_and_is_shown_on_the_dispute(personas, council, clock):
    referral = sent_referral(personas, council)
    with pytest.raises(DomainError):
        services.referral_return(referral=referral, actor=personas.clerk_a, reason="  ")
    referral = services.referral_return(referral=referral, actor=personas.clerk_a, reason="صلاحیت ندارد")
    assert referral.status == ReferralStatus.RETURNED
    assert DisputeEvent.objects.filter(dispute=referral.dispute, to_status="partner_returned").exists()


def test_bad_inputs_are_refused(personas, council, clock):
    dispute = open_dispute(personas)
    with pytest.raises(DomainError):
        services.referral_prepare(actor=personas.clerk_a, kind=council)
    with pytest.raises(DomainError):
        services.referral_prepare(actor=personas.clerk_a, kind=999999, dispute=dispute)
    other = make_partner(PartnerKind.TAZIRAT)
    with pytest.raises(DomainError) as bad_branch:
        services.referral_prepare(
            actor=personas.clerk_a, kind=council, dispute=dispute, branch=other.partner.branches.first()
        )
    assert bad_branch.value.code == "bad_branch"
    referral = sent_referral(personas, council, dispute=dispute)
    with pytest.raises(DomainError):
        services.referral_acknowledge(referral=referral, actor=personas.clerk_a, partner_reference="!")
    with pytest.raises(DomainError):
        services.referral_record_outcome(referral=referral, actor=personas.clerk_a, outcome_code="great")


def test_a_second_open_referral_of_the_same_kind_is_refused(personas, council, clock):
    dispute = open_dispute(personas)
    services.referral_prepare(actor=personas.clerk_a, kind=council, dispute=dispute)
    with pytest.raises(ConflictError):
        services.referral_prepare(actor=personas.clerk_a, kind=council, dispute=dispute)


def test_an_idempotency_key_returns_the_same_referral(personas, council, clock):
    dispute = open_dispute(personas)
    first = services.referral_prepare(
        actor=personas.clerk_a, kind=council, dispute=dispute, idempotency_key="key-12345"
    )
    again = services.referral_prepare(
        actor=personas.clerk_a, kind=council, dispute=dispute, idempotency_key="key-12345"
    )
    assert first.pk == again.pk
    with pytest.raises(ConflictError):
        services.referral_prepare(
            actor=personas.clerk_a, kind=council, dispute=dispute, idempotency_key="key-12345", note="other"
        )


def test_who_may_act_and_who_sees(personas, council, clock):
    dispute = open_dispute(personas)
    with pytest.raises(NotFoundError):
        services.referral_prepare(actor=personas.clerk_b, kind=council, dispute=dispute)
    referral = services.referral_prepare(actor=personas.clerk_a, kind=council, dispute=dispute)
    member = make_member(council.partner)
    stranger = make_member(make_partner(PartnerKind.COURT).partner, username="court.member")
    # Before it is sent, the partner sees nothing of it.
    with pytest.raises(NotFoundError):
        selectors.referral_get_for(user=member, pk=referral.pk)
    attach_required(referral, personas.clerk_a)
    with pytest.raises(NotFoundError):
        services.referral_send(referral=referral, actor=personas.clerk_b)
    referral = services.referral_send(referral=referral, actor=personas.clerk_a)
    assert selectors.referral_get_for(user=member, pk=referral.pk)[1].partner
    assert list(selectors.partner_desk_for(user=member)) == [referral]
    for outsider in (stranger, personas.clerk_b, personas.other_citizen, personas.partner):
        with pytest.raises(NotFoundError):
            selectors.referral_get_for(user=outsider, pk=referral.pk)
        assert referral not in selectors.referral_list_for(user=outsider)
    for reader in (personas.citizen, personas.inspector, personas.kanoon_admin, personas.manager_a):
        selectors.referral_get_for(user=reader, pk=referral.pk)
        assert referral in selectors.referral_list_for(user=reader)
    # The citizen may not acknowledge, another partner does not see it, the member may not close.
    with pytest.raises(PermissionDeniedError):
        services.referral_acknowledge(referral=referral, actor=personas.citizen, partner_reference="AB-1234")
    with pytest.raises(NotFoundError):
        services.referral_acknowledge(referral=referral, actor=stranger, partner_reference="AB-1234")
    referral = services.referral_acknowledge(referral=referral, actor=member, partner_reference="AB-1234")
    referral = services.referral_record_outcome(
        referral=referral, actor=member, outcome_code=OutcomeCode.SETTLED
    )
    with pytest.raises(PermissionDeniedError):
        services.referral_close(referral=referral, actor=member)


def test_a_branch_member_sees_only_their_branch(personas, council, clock):
    from datetime import time

    from tanzim.offices.models import City
    from tanzim.partners.models import Branch

    other_branch = Branch.objects.create(
        partner=council.partner,
        name_fa="دیگر",
        name_en="Other",
        city=City.objects.exclude(code="THR-01").first(),
        address="x",
        opens=time(8),
        closes=time(13),
    )
    referral = sent_referral(personas, council)
    assert referral.branch != other_branch
    member = make_member(council.partner, branch=other_branch)
    with pytest.raises(NotFoundError):
        selectors.referral_get_for(user=member, pk=referral.pk)


def test_a_case_can_be_referred_too(personas, clock):
    from tanzim.catalog.models import Service
    from tanzim.testing.cases import make_draft

    kind = make_partner(PartnerKind.TAZIRAT, documents=(("invoice", True),))
    case = make_draft(personas, Service.objects.get(code="civil_petition"))
    referral = services.referral_prepare(actor=personas.clerk_a, kind=kind, case=case)
    assert referral.bundle["reference"] == case.tracking_code
    assert referral.citizen == personas.citizen


def test_overdue_referrals_are_reminded_once(personas, council, clock):
    referral = sent_referral(personas, council)
    clock.shift(timedelta(days=4))
    assert selectors.is_overdue(Referral.objects.get(pk=referral.pk))
    assert services.referrals_remind_overdue() == 1
    assert services.referrals_remind_overdue() == 0
    assert Referral.objects.get(pk=referral.pk).reminded_at is not None
