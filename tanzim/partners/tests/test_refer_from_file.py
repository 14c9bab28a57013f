"""From the dispute's page to a pre-filled referral form (the kind, the nearest branch), and a
case's referral outcome (or return) written on the case's history in Persian and English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tanzim.cases.models import CaseEvent
from tanzim.cases.tests.page_helpers import submitted_case
from tanzim.catalog.models import Service
from tanzim.common.errors import ConflictError
from tanzim.offices.models import City
from tanzim.partners import services
from tanzim.partners.choices import PartnerKind, ReferralStatus
from tanzim.partners.models import Referral
from tanzim.testing.disputes import open_dispute
from tanzim.testing.files import pdf_bytes, upload
from tanzim.testing.partners import attach_required, make_member, make_partner

pytestmark = pytest.mark.django_db


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def councils(personas):
    home = personas.office_a.city
    elsewhere = City.objects.exclude(pk=home.pk).order_by("code").first()
    # "council-far" sorts first: the nearest must win on distance, not on its code.
    far = make_partner(PartnerKind.COUNCIL, code="council-far", city=elsewhere)
    near = make_partner(PartnerKind.COUNCIL, code="council-near", city=home)
    return near, far


def test_the_dispute_page_links_the_clerk_to_a_form_with_the_kind_and_nearest_branch(
    personas, councils, clock
):
    near, _far = councils
    dispute = open_dispute(personas)
    page = _client(personas.clerk_a, "fa").get(reverse("disputes:detail", args=[dispute.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="refer-partner"' in html and "ارجاع به سازمان همکار" in html
    link = reverse("partners:refer") + f"?file={dispute.reference}"
    assert f'href="{link}"' in html
    # Those who cannot refer do not see the button.
    for other in (personas.citizen, personas.kanoon_admin):
        seen = _client(other).get(reverse("disputes:detail", args=[dispute.pk]))
        assert 'id="refer-partner"' not in seen.content.decode()

    form = _client(personas.clerk_a).get(link)
    assert form.status_code == 200
    bound = form.context["form"]
    branch = near.partner.branches.get()
    assert bound["file_reference"].value() == dispute.reference
    assert bound["kind"].value() == near.pk
    assert bound["branch"].value() == branch.pk
    assert f'<option value="{branch.pk}" selected>' in form.content.decode()

    # Sent as it is, the referral goes to that kind and branch; nothing typed.
    posted = _client(personas.clerk_a).post(
        link, {"file_reference": dispute.reference, "kind": near.pk, "branch": branch.pk}
    )
    assert posted.status_code == 302
    referral = Referral.objects.get(dispute=dispute)
    assert (referral.kind, referral.branch) == (near, branch)


def test_a_named_partner_kind_is_chosen_and_a_foreign_file_gets_no_prefill(personas, councils, clock):
    forensic = make_partner(PartnerKind.FORENSIC, city=personas.office_a.city)
    dispute = open_dispute(personas)
    url = reverse("partners:refer") + f"?file={dispute.reference}&partner_kind=forensic"
    bound = _client(personas.clerk_a).get(url).context["form"]
    assert bound["kind"].value() == forensic.pk
    assert bound["branch"].value() == forensic.partner.branches.get().pk
    # Another office's clerk: the reference as typed, nothing about the file.
    foreign = _client(personas.clerk_b).get(url).context["form"]
    assert foreign["file_reference"].value() == dispute.reference
    assert foreign["kind"].value() is None and foreign["branch"].value() is None


def test_a_branch_of_another_partner_is_refused_on_the_form_and_nothing_is_prepared(
    personas, councils, clock
):
    near, far = councils
    dispute = open_dispute(personas)
    page = _client(personas.clerk_a).post(
        reverse("partners:refer"),
        {"file_reference": dispute.reference, "kind": near.pk, "branch": far.partner.branches.get().pk},
    )
    assert page.status_code == 400
    assert "Choose a branch of this partner." in page.content.decode()
    assert not Referral.objects.filter(dispute=dispute).exists()


def _case_referral(personas):
    from tanzim.catalog.models import Service
    from tanzim.testing.cases import make_draft

    kind = make_partner(PartnerKind.TAZIRAT, documents=(("invoice", True),))
    case = make_draft(personas, Service.objects.get(code="civil_petition"))
    referral = services.referral_prepare(actor=personas.clerk_a, kind=kind, case=case)
    attach_required(referral, personas.clerk_a)
    referral = services.referral_send(referral=referral, actor=personas.clerk_a)
    return kind, case, referral


def test_a_case_referrals_outcome_is_written_on_the_case_in_persian_and_english(personas, clock):
    kind, case, referral = _case_referral(personas)
    member = make_member(kind.partner)
    before = CaseEvent.objects.filter(case=case).count()
    services.referral_acknowledge(referral=referral, actor=member, partner_reference="TZ-1405-9")
    assert CaseEvent.objects.filter(case=case).count() == before  # only the outcome is news on the case
    services.referral_record_outcome(
        referral=referral,
        actor=member,
        outcome_code="violation",
        note="جریمه ۵۰ میلیون ریال",
        upload=upload("ruling.pdf", pdf_bytes()),
    )
    event = CaseEvent.objects.filter(case=case).latest("pk")
    case.refresh_from_db()
    assert event.from_status == event.to_status == case.status  # the case's stage is unchanged
    assert event.actor == member
    assert referral.reference in event.reason
    assert "نتیجه از" in event.reason and kind.partner.name_fa in event.reason
    assert "Outcome from" in event.reason and kind.partner.name_en in event.reason
    assert "Violation found; penalty imposed" in event.reason
    assert event.reason.endswith("جریمه ۵۰ میلیون ریال")
    # A second outcome is refused and writes nothing more.
    with pytest.raises(ConflictError):
        services.referral_record_outcome(referral=referral, actor=member, outcome_code="dismissed")
    assert CaseEvent.objects.filter(case=case).latest("pk") == event


def test_an_outcome_through_the_api_and_a_return_are_written_too(personas, clock):
    kind, case, referral = _case_referral(personas)
    issued = services.api_key_issue(partner=kind.partner, actor=personas.kanoon_admin)
    services.referral_act(referral=referral, action="return", api_key=issued.key, reason="Not a guild matter")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.RETURNED
    event = CaseEvent.objects.filter(case=case).latest("pk")
    assert event.actor is None
    assert "returned the file without action" in event.reason and "بدون اقدام" in event.reason
    assert event.reason.endswith("Not a guild matter")


def test_the_partner_desk_shows_the_open_files_a_page_at_a_time(personas, council, clock):
    from tanzim.testing.partners import sent_referral

    member = make_member(council.partner)
    first = sent_referral(personas, council)
    # 31 more open files at the branch (copies of the first): 32 in all, 30 on the first page.
    for n in range(31):
        Referral.objects.create(
            **{
                f.attname: getattr(first, f.attname)
                for f in Referral._meta.concrete_fields
                if f.name not in ("id", "reference", "created_at")
            },
            reference=f"PR-9{n:07d}",
        )
    client = _client(member)
    page = client.get(reverse("partners:desk"))
    assert page.status_code == 200
    assert page.content.decode().count("data-reference=") == 30
    assert 'id="open-pages"' in page.content.decode()
    second = client.get(reverse("partners:desk"), {"page": 2})
    assert second.content.decode().count("data-reference=") == 2


def test_the_request_page_links_the_clerk_to_the_form_with_the_request_chosen(personas, clock):
    case = submitted_case(personas, Service.objects.get(code="civil_petition"))
    page = _client(personas.clerk_a, "fa").get(reverse("cases:detail", args=[case.pk])).content.decode()
    link = reverse("partners:refer") + f"?file={case.tracking_code}"
    assert f'href="{link}"' in page and "ارجاع به سازمان همکار" in page
    for other in (personas.citizen, personas.clerk_b):
        seen = _client(other).get(reverse("cases:detail", args=[case.pk]))
        assert 'id="refer-partner"' not in seen.content.decode()
    form = _client(personas.clerk_a).get(link)
    assert form.context["form"]["file_reference"].value() == case.tracking_code
