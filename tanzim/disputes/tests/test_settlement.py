"""The settlement report: obligations, freezing, signing by one-time code, and every bad input
the issue names (signing twice, a non-party signing, obligations without amounts or dates)."""

from __future__ import annotations

from datetime import date

import pytest

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.disputes import services
from tanzim.disputes.choices import DisputeStatus, SettlementStatus
from tanzim.disputes.models import PartyOtp, Settlement, Signature
from tanzim.testing.disputes import last_otp, to_mediation, two_instalments
from tanzim.testing.factories import CitizenFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

DUE = (date(2027, 1, 5), date(2027, 2, 4))


@pytest.fixture
def mediation(personas, clock):
    return to_mediation(personas)


@pytest.fixture
def respondent(mediation):
    return mediation.parties.get(role="respondent")


@pytest.fixture
def open_settlement(personas, mediation):
    settlement = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="سازش", obligations=two_instalments(*DUE)
    )
    return services.settlement_open(settlement=settlement, actor=personas.mediator_a)


def sign(settlement, party, actor):
    services.settlement_request_code(settlement=settlement, party=party, actor=actor)
    return services.settlement_sign(
        settlement=settlement, party=party, actor=actor, code=last_otp(party.mobile)
    )


def test_a_draft_holds_each_obligation_with_who_what_amount_and_due_date(personas, mediation):
    settlement = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="  سازش  ", obligations=two_instalments(*DUE)
    )
    rows = list(
        settlement.obligations.order_by("position").values_list("obligor__role", "amount", "due_date")
    )
    assert rows == [("respondent", 150_000_000, DUE[0]), ("respondent", 250_000_000, DUE[1])]
    assert settlement.terms == "سازش" and settlement.status == SettlementStatus.DRAFT
    assert settlement.total_amount == 400_000_000


def test_redrafting_replaces_the_obligations_of_the_same_draft(personas, mediation):
    first = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="", obligations=two_instalments(*DUE)
    )
    again = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="", obligations=two_instalments(*DUE)[:1]
    )
    assert first.pk == again.pk and again.obligations.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": None}, "obligations.0.amount"),
        ({"amount": 0}, "obligations.0.amount"),
        ({"amount": -5}, "obligations.0.amount"),
        ({"amount": 12.5}, "obligations.0.amount"),
        ({"due_date": None}, "obligations.0.due_date"),
        ({"due_date": date(2026, 12, 4)}, "obligations.0.due_date"),
        ({"due_date": date(2040, 1, 1)}, "obligations.0.due_date"),
        ({"description": "   "}, "obligations.0.description"),
        ({"obligor": "witness"}, "obligations.0.obligor"),
        ({"kind": "barter"}, "obligations.0.kind"),
        ({"kind": "act", "amount": 1000}, "obligations.0.amount"),
    ],
)
def test_a_bad_obligation_is_refused_with_its_field_and_nothing_is_saved(personas, mediation, change, field):
    obligations = two_instalments(*DUE)
    obligations[0].update(change)
    with pytest.raises(DomainError) as refused:
        services.settlement_draft(
            dispute=mediation, actor=personas.mediator_a, terms="", obligations=obligations
        )
    assert field in refused.value.fields
    assert not Settlement.objects.exists()


def test_a_settlement_needs_at_least_one_obligation(personas, mediation):
    with pytest.raises(DomainError) as refused:
        services.settlement_draft(dispute=mediation, actor=personas.mediator_a, terms="", obligations=[])
    assert refused.value.code == "no_obligations"


def test_an_act_needs_no_amount(personas, mediation):
    settlement = services.settlement_draft(
        dispute=mediation,
        actor=personas.mediator_a,
        terms="",
        obligations=[
            {"obligor": "respondent", "kind": "act", "description": "تحویل جهیزیه", "due_date": DUE[0]}
        ],
    )
    assert settlement.obligations.get().amount is None


def test_only_the_office_side_drafts_a_settlement(personas, mediation):
    with pytest.raises(PermissionDeniedError):
        services.settlement_draft(
            dispute=mediation, actor=personas.citizen, terms="", obligations=two_instalments(*DUE)
        )
    with pytest.raises(NotFoundError):
        services.settlement_draft(
            dispute=mediation, actor=personas.clerk_b, terms="", obligations=two_instalments(*DUE)
        )
    assert services.settlement_draft(
        dispute=mediation, actor=personas.clerk_a, terms="", obligations=two_instalments(*DUE)
    )


def test_opening_freezes_the_report_so_it_cannot_be_redrafted(personas, mediation, open_settlement):
    assert open_settlement.status == SettlementStatus.SIGNING and len(open_settlement.content_hash) == 64
    with pytest.raises(ConflictError) as refused:
        services.settlement_draft(
            dispute=mediation, actor=personas.mediator_a, terms="", obligations=two_instalments(*DUE)
        )
    assert refused.value.code == "settlement_frozen"


def test_a_party_signs_with_the_code_texted_to_their_mobile(personas, open_settlement):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    result = sign(open_settlement, claimant, personas.citizen)
    assert not result.already_signed and not result.completed
    signature = Signature.objects.get(settlement=open_settlement, party=claimant)
    assert signature.content_hash == open_settlement.content_hash and signature.actor == personas.citizen
    otp = PartyOtp.objects.get(pk=signature.otp_id)
    assert otp.used_at is not None and last_otp(claimant.mobile) not in otp.code_hash


def test_signing_twice_is_a_no_op_with_a_clear_message(personas, open_settlement):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    first = sign(open_settlement, claimant, personas.citizen)
    again = services.settlement_sign(
        settlement=open_settlement, party=claimant, actor=personas.citizen, code="000000"
    )
    assert again.already_signed and again.signature.pk == first.signature.pk
    assert again.message and not again.completed
    assert Signature.objects.filter(settlement=open_settlement).count() == 1
    sent = services.settlement_request_code(
        settlement=open_settlement, party=claimant, actor=personas.citizen
    )
    assert sent.already_signed


def test_signing_again_after_the_dispute_is_settled_changes_nothing(personas, open_settlement, respondent):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    sign(open_settlement, claimant, personas.citizen)
    sign(open_settlement, respondent, respondent.user)
    events_before = open_settlement.dispute.events.count()
    again = services.settlement_sign(
        settlement=open_settlement, party=respondent, actor=respondent.user, code="123456"
    )
    assert again.already_signed and open_settlement.dispute.events.count() == events_before


def test_a_wrong_code_is_refused_and_counted(personas, open_settlement, settings):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    services.settlement_request_code(settlement=open_settlement, party=claimant, actor=personas.citizen)
    for _n in range(settings.OTP_MAX_ATTEMPTS):
        with pytest.raises(DomainError) as refused:
            services.settlement_sign(
                settlement=open_settlement, party=claimant, actor=personas.citizen, code="999999"
            )
        assert refused.value.code == "invalid_code"
    # The right code no longer works once the attempts are used up.
    with pytest.raises(DomainError):
        services.settlement_sign(
            settlement=open_settlement, party=claimant, actor=personas.citizen, code=last_otp(claimant.mobile)
        )
    assert not Signature.objects.exists()


def test_an_expired_code_is_refused(personas, open_settlement, clock, settings):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    services.settlement_request_code(settlement=open_settlement, party=claimant, actor=personas.citizen)
    code = last_otp(claimant.mobile)
    clock.shift(settings.OTP_TTL_SECONDS + 1)
    with pytest.raises(DomainError):
        services.settlement_sign(
            settlement=open_settlement, party=claimant, actor=personas.citizen, code=code
        )


def test_someone_who_is_not_a_party_cannot_sign(personas, open_settlement, respondent):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    stranger = CitizenFactory()
    with pytest.raises(NotFoundError):
        services.settlement_request_code(settlement=open_settlement, party=claimant, actor=stranger)
    with pytest.raises(NotFoundError):
        services.settlement_sign(settlement=open_settlement, party=claimant, actor=stranger, code="123456")
    with pytest.raises(NotFoundError):
        services.settlement_sign(
            settlement=open_settlement, party=claimant, actor=personas.clerk_b, code="123456"
        )
    assert not Signature.objects.exists()


def test_a_party_cannot_sign_for_the_other_party(personas, open_settlement, respondent):
    with pytest.raises(PermissionDeniedError) as refused:
        services.settlement_request_code(settlement=open_settlement, party=respondent, actor=personas.citizen)
    assert refused.value.code == "sign_for_yourself"
    with pytest.raises(PermissionDeniedError):
        services.settlement_sign(
            settlement=open_settlement, party="respondent", actor=personas.citizen, code="1"
        )


def test_an_inspector_may_read_but_not_sign(personas, open_settlement):
    with pytest.raises(PermissionDeniedError):
        services.settlement_request_code(
            settlement=open_settlement, party="claimant", actor=personas.inspector
        )


def test_a_mediator_sends_the_code_to_a_party_sitting_at_the_office_and_signs_on_their_behalf(
    personas, open_settlement
):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    sign(open_settlement, claimant, personas.mediator_a)
    signature = Signature.objects.get(party=claimant)
    assert signature.actor == personas.mediator_a
    event = AuditEvent.objects.get(action="disputes.settlement.signature")
    assert event.actor_id == personas.mediator_a.pk and event.on_behalf_of_id == personas.citizen.pk


def test_a_draft_or_voided_report_cannot_be_signed(personas, mediation):
    draft = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="", obligations=two_instalments(*DUE)
    )
    with pytest.raises(ConflictError):
        services.settlement_request_code(settlement=draft, party="claimant", actor=personas.citizen)
    services.settlement_void(settlement=draft, actor=personas.mediator_a, reason="اشتباه در مبلغ")
    with pytest.raises(ConflictError):
        services.settlement_request_code(settlement=draft, party="claimant", actor=personas.citizen)
    with pytest.raises(DomainError):
        services.settlement_void(settlement=draft, actor=personas.mediator_a, reason="  ")


def test_voiding_keeps_the_signatures_in_the_history_and_a_new_version_starts_clean(
    personas, mediation, open_settlement
):
    claimant = open_settlement.dispute.parties.get(role="claimant")
    sign(open_settlement, claimant, personas.citizen)
    services.settlement_void(
        settlement=open_settlement, actor=personas.mediator_a, reason="طرف مقابل نپذیرفت"
    )
    second = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="نسخه دوم", obligations=two_instalments(*DUE)[:1]
    )
    assert second.number == 2 and not second.signatures.exists()
    assert Signature.objects.filter(settlement=open_settlement).count() == 1
    assert mediation.settlements.count() == 2


def test_the_content_fingerprint_changes_with_any_obligation(personas, mediation):
    draft = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="", obligations=two_instalments(*DUE)
    )
    before = services.settlement_content_hash(draft)
    changed = two_instalments(*DUE)
    changed[1]["amount"] += 1
    draft = services.settlement_draft(
        dispute=mediation, actor=personas.mediator_a, terms="", obligations=changed
    )
    assert services.settlement_content_hash(draft) != before


def test_a_settlement_cannot_be_signed_after_the_mediation_window_closed(
    personas, mediation, open_settlement, clock
):
    from datetime import datetime, time, timedelta

    from tanzim.common.jalali import TEHRAN

    claimant = open_settlement.dispute.parties.get(role="claimant")
    services.settlement_request_code(settlement=open_settlement, party=claimant, actor=personas.citizen)
    code = last_otp(claimant.mobile)
    clock.move_to(datetime.combine(mediation.window_ends_on + timedelta(days=1), time(0, 5), tzinfo=TEHRAN))
    with pytest.raises(ConflictError) as refused:
        services.settlement_sign(
            settlement=open_settlement, party=claimant, actor=personas.citizen, code=code
        )
    assert refused.value.code == "window_closed"


def test_a_new_mediator_of_the_office_can_take_over(personas, mediation):
    other = give_role(UserFactory(username="mediator.a2"), "mediator", office=personas.office_a)
    dispute = services.mediator_assign(dispute=mediation, actor=personas.manager_a, mediator=other)
    assert dispute.mediator == other
    with pytest.raises(DomainError):
        services.mediator_assign(dispute=mediation, actor=personas.manager_a, mediator=personas.clerk_a)
    with pytest.raises(PermissionDeniedError):  # the new mediator works on it but does not assign
        services.mediator_assign(dispute=mediation, actor=other, mediator=other)
    with pytest.raises(NotFoundError):  # the former mediator no longer sees it
        services.mediator_assign(dispute=mediation, actor=personas.mediator_a, mediator=other)
    assert mediation.status == DisputeStatus.MEDIATION
