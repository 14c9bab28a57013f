"""Pages: a clerk refers a dispute and sends it; the partner's portal acknowledges and uploads the
outcome; the citizen sees where the file went, what is needed and the outcome; figures; desk links."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tanzim.partners import services
from tanzim.partners.choices import PartnerKind, ReferralStatus
from tanzim.partners.models import Referral
from tanzim.testing.disputes import open_dispute
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.partners import make_member, make_partner, sent_referral

pytestmark = pytest.mark.django_db


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_clerk_refers_attaches_and_sends_then_the_portal_acknowledges_and_uploads_the_outcome(
    personas, council, clock
):
    dispute = open_dispute(personas)
    clerk = _client(personas.clerk_a)
    form = clerk.get(reverse("partners:refer") + f"?file={dispute.reference}")
    assert form.status_code == 200 and dispute.reference in form.content.decode()
    answer = clerk.post(reverse("partners:refer"), {"file_reference": dispute.reference, "kind": council.pk})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    referral = Referral.objects.get(dispute=dispute)
    page = clerk.get(answer["Location"]).content.decode()
    assert "Document claim" in page and 'id="send"' in page
    refused = clerk.post(
        reverse("partners:step", args=[referral.pk]), {"action": "send", "expected_status": "prepared"}
    )
    assert refused.status_code == 400 and "Document claim" in refused.content.decode()
    line = council.checklist.get(code="claim")
    attached = clerk.post(
        reverse("partners:attach", args=[referral.pk]),
        {"requirement": line.pk, "file": upload("claim.pdf", pdf_bytes())},
    )
    assert attached.status_code == 302
    sent = clerk.post(
        reverse("partners:step", args=[referral.pk]), {"action": "send", "expected_status": "prepared"}
    )
    assert sent.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT

    member = _client(make_member(council.partner))
    desk = member.get(reverse("partners:desk")).content.decode()
    assert referral.reference in desk
    ack = member.post(
        reverse("partners:step", args=[referral.pk]),
        {"action": "acknowledge", "expected_status": "sent", "partner_reference": "۱۴۰۵-۷۷"},
    )
    assert ack.status_code == 302
    done = member.post(
        reverse("partners:outcome", args=[referral.pk]),
        {
            "expected_status": "received",
            "outcome_code": "settled",
            "note": "Settled",
            "file": upload("o.pdf", pdf_bytes()),
        },
    )
    assert done.status_code == 302
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == ReferralStatus.OUTCOME and referral.partner_reference == "1405-77"
    # The dispute shows it, in its history.
    shown = clerk.get(reverse("disputes:detail", kwargs={"pk": dispute.pk})).content.decode()
    assert "The partner body sent its outcome." in shown and "Settled before the partner" in shown
    # The clerk closes it.
    closed = clerk.post(
        reverse("partners:step", args=[referral.pk]), {"action": "close", "expected_status": "outcome"}
    )
    assert closed.status_code == 302


def test_a_bad_outcome_form_is_shown_again_with_its_error(personas, council, clock):
    referral = sent_referral(personas, council)
    member = make_member(council.partner)
    services.referral_acknowledge(referral=referral, actor=member, partner_reference="AB-1234")
    page = _client(member).post(reverse("partners:outcome", args=[referral.pk]), {"outcome_code": ""})
    assert page.status_code == 400 and "error-summary" in page.content.decode()


def test_an_unknown_file_reference_is_refused_on_the_form(personas, council):
    page = _client(personas.clerk_a).post(
        reverse("partners:refer"), {"file_reference": "NOPE-1", "kind": council.pk}
    )
    assert page.status_code == 400 and "No dispute or request has this reference." in page.content.decode()


def test_the_citizen_sees_where_the_file_went_what_is_needed_and_the_outcome(personas, council, clock):
    referral = sent_referral(personas, council)
    citizen = _client(personas.citizen)
    assert referral.reference in citizen.get(reverse("partners:mine")).content.decode()
    page = citizen.get(reverse("partners:detail", args=[referral.pk])).content.decode()
    assert "Central branch" in page and "Ask the court for the referral letter" in page
    assert 'id="actions"' not in page
    services.referral_acknowledge(referral=referral, actor=personas.clerk_a, partner_reference="AB-1234")
    services.referral_record_outcome(referral=referral, actor=personas.clerk_a, outcome_code="for_claimant")
    page = citizen.get(reverse("partners:detail", args=[referral.pk])).content.decode()
    assert "Decided for the claimant" in page


def test_pages_out_of_scope_are_404_and_roles_without_the_page_403(personas, council, clock):
    referral = sent_referral(personas, council)
    for outsider in (personas.clerk_b, personas.other_citizen, personas.partner):
        assert _client(outsider).get(reverse("partners:detail", args=[referral.pk])).status_code == 404
    assert _client(personas.citizen).get(reverse("partners:list")).status_code == 403
    assert _client(personas.partner).get(reverse("partners:desk")).status_code == 403
    assert _client(personas.clerk_a).get(reverse("partners:dead_letters")).status_code == 403
    assert _client(personas.citizen).get(reverse("partners:refer")).status_code == 403


@pytest.mark.parametrize("language", ["fa", "en"])
def test_lists_figures_and_dead_letters_render(personas, council, clock, language):
    sent_referral(personas, council)
    for user, name in (
        (personas.clerk_a, "partners:list"),
        (personas.kanoon_admin, "partners:list"),
        (personas.kanoon_admin, "partners:figures"),
        (personas.manager_a, "partners:figures"),
        (personas.kanoon_admin, "partners:dead_letters"),
        (personas.citizen, "partners:mine"),
    ):
        assert _client(user, language).get(reverse(name)).status_code == 200, name


def test_figures_compare_times_with_the_expected_ones(personas, clock):
    from datetime import timedelta

    from tanzim.partners.metrics import referral_figures
    from tanzim.partners.selectors import referral_list_for

    kind = make_partner(PartnerKind.FORENSIC)
    referral = sent_referral(personas, kind)
    clock.shift(timedelta(days=5))
    services.referral_acknowledge(referral=referral, actor=personas.clerk_a, partner_reference="FM-1001")
    clock.shift(timedelta(days=10))
    services.referral_record_outcome(referral=referral, actor=personas.clerk_a, outcome_code="examined")
    [row] = referral_figures(referral_list_for(user=personas.kanoon_admin))
    assert (row.sent, row.acknowledged, row.concluded, row.returned) == (1, 1, 1, 0)
    assert row.ack_median == 5.0 and row.ack_late
    assert row.outcome_median == 15.0 and not row.outcome_late


def test_desk_links_open_for_each_persona(personas, council):
    from tanzim.accounts.selectors import scope_for
    from tanzim.partners.desk import links

    make_member(council.partner, username="desk.member")
    from tanzim.accounts.models import User

    member = User.objects.get(username="desk.member")
    for user in (
        member,
        personas.clerk_a,
        personas.kanoon_admin,
        personas.inspector,
        personas.citizen,
        personas.partner,
    ):
        for link in links(user=user, scope=scope_for(user), offices=[]):
            assert _client(user).get(reverse(link.name, args=link.args)).status_code == 200, (user, link.name)
    names = [link.name for link in links(user=member, scope=scope_for(member), offices=[])]
    assert names[0] == "partners:desk"
