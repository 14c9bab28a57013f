from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tanzim.finance import services
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.models import FreeServiceGrant, Payment, Refund
from tanzim.testing.files import png_bytes, upload

pytestmark = pytest.mark.django_db


def _new_payment_form(client):
    html = client.get(reverse("finance:payment-new") + "?office=A0001").content.decode()
    key = re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)
    return html, {
        "office": "A0001",
        "service": "formal_notice",
        "channel": "remote",
        "extra_parties": "۰",
        "extra_pages": "1",
        "court_fee": "۲۵۰٬۰۰۰",
        "key": key,
    }


def test_a_citizen_opens_a_payment_and_is_sent_to_the_bank(client, personas):
    client.force_login(personas.citizen)
    html, form = _new_payment_form(client)
    assert 'value="A0001"' in html
    response = client.post(reverse("finance:payment-new"), form)
    payment = Payment.objects.get()
    assert response["Location"] == reverse("finance:payment", kwargs={"ref": payment.uuid})
    assert payment.court_fee == 250_000 and payment.channel == "remote"
    # Submitting the same form twice (a double click) does not open a second payment.
    client.post(reverse("finance:payment-new"), form)
    assert Payment.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "pay-online" in page
    pay = client.post(reverse("finance:payment-pay", kwargs={"ref": payment.uuid}))
    assert pay["Location"].startswith("/finance/gateway/")


def test_the_payment_form_shows_errors_next_to_the_fields(client, personas):
    client.force_login(personas.citizen)
    _html, form = _new_payment_form(client)
    response = client.post(reverse("finance:payment-new"), {**form, "office": "NOPE", "court_fee": "-4"})
    assert response.status_code == 200
    assert Payment.objects.count() == 0
    response = client.post(
        reverse("finance:payment-new"), {**form, "channel": "remote", "service": "sana_edit"}
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()


def test_staff_open_a_free_payment_for_a_citizen(client, personas):
    client.force_login(personas.clerk_a)
    _html, form = _new_payment_form(client)
    form.update(
        channel="in_person",
        court_fee="0",
        payer_national_code=personas.citizen.national_code,
        free_service="on",
    )
    refused = client.post(reverse("finance:payment-new"), form).content.decode()
    assert 'id="error-summary"' in refused and 'id="id_ground-error"' in refused
    assert not Payment.objects.exists() and not FreeServiceGrant.objects.exists()
    form.update(
        ground="relief_committee",
        evidence_number="1234-5678",
        confirmation_document=upload("card.png", png_bytes(), "image/png"),
    )
    client.post(reverse("finance:payment-new"), form)
    payment = Payment.objects.get()
    assert payment.free_grants.get().evidence_number == "12345678"
    assert (
        payment.payer == personas.citizen and payment.status == PaymentStatus.CAPTURED and payment.amount == 0
    )


def test_a_citizen_cannot_waive_the_fee_from_the_form(client, personas):
    client.force_login(personas.citizen)
    _html, form = _new_payment_form(client)
    client.post(reverse("finance:payment-new"), {**form, "free_service": "on"})
    assert Payment.objects.get().amount > 0


def test_the_simulated_bank_page_shows_the_merchant_and_the_amount(client, personas, make_payment):
    payment = make_payment()
    client.force_login(personas.citizen)
    url = client.post(reverse("finance:payment-pay", kwargs={"ref": payment.uuid}))["Location"]
    client.logout()  # the bank does not know our users
    page = client.get(url).content.decode()
    assert "دفتر الف" in page and "۷۷۰٬۰۰۰" in page
    redirect = client.post(url, {"action": "pay"}).content.decode()
    assert 'action="/finance/gateway/return/"' in redirect and 'name="signature"' in redirect
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', redirect))
    back = client.post(reverse("finance:gateway-return"), fields)
    assert back["Location"] == reverse("finance:payment", kwargs={"ref": payment.uuid})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    # Coming back to the bank page later just repeats the final answer.
    assert "gateway-callback" in client.get(url).content.decode()


def test_an_unknown_bank_session_is_a_404(client, personas):
    assert client.get(reverse("finance:gateway", args=["no-such-token"])).status_code == 404


def test_a_clerk_takes_the_money_at_the_counter_then_refunds_part(client, personas, make_payment):
    payment = make_payment(court_fee=1_000_000)
    client.force_login(personas.clerk_a)
    page = client.get(reverse("finance:payment", kwargs={"ref": payment.uuid})).content.decode()
    assert "payment-counter" in page or "counter" in page
    client.post(reverse("finance:payment-counter", kwargs={"ref": payment.uuid}), {"method": "cash"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED and payment.method == "cash"
    client.post(
        reverse("finance:payment-refund", kwargs={"ref": payment.uuid}),
        {"part": "court_fee", "amount": "۵۰۰٬۰۰۰", "reason": "settled"},
    )
    assert Refund.objects.get().amount == 500_000
    too_much = client.post(
        reverse("finance:payment-refund", kwargs={"ref": payment.uuid}),
        {"part": "court_fee", "amount": "600000", "reason": "again"},
        follow=True,
    )
    assert Refund.objects.count() == 1
    assert "alert-danger" in too_much.content.decode()


def test_the_citizen_cannot_use_the_counter_or_refund(client, personas, make_payment):
    payment = make_payment()
    client.force_login(personas.citizen)
    client.post(reverse("finance:payment-counter", kwargs={"ref": payment.uuid}), {"method": "pos"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    services.payment_record_at_counter(payment=payment, actor=personas.clerk_a)
    client.post(
        reverse("finance:payment-refund", kwargs={"ref": payment.uuid}),
        {"part": "office_fee", "amount": "1000", "reason": "mine"},
    )
    assert Refund.objects.count() == 0


def test_another_citizen_cannot_pay_or_cancel_a_payment(client, personas, make_payment):
    payment = make_payment()
    client.force_login(personas.other_citizen)
    assert client.post(reverse("finance:payment-pay", kwargs={"ref": payment.uuid})).status_code == 404
    assert client.post(reverse("finance:payment-cancel", kwargs={"ref": payment.uuid})).status_code == 404
    client.force_login(personas.citizen)
    client.post(reverse("finance:payment-cancel", kwargs={"ref": payment.uuid}))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_money_pages_render_in_both_languages(client, personas, make_payment, language):
    payment = make_payment()
    client.force_login(personas.kanoon_admin)
    client.cookies["django_language"] = language
    for url in (
        reverse("finance:payments"),
        reverse("finance:payment", kwargs={"ref": payment.uuid}),
        reverse("finance:payment-new"),
        reverse("finance:statements"),
        reverse("finance:statement", args=["A0001", 1404, 7]),
        reverse("finance:kanoon-month", args=[1404, 7]),
        reverse("finance:settlements"),
        reverse("finance:transparency"),
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in response.content.decode()


def test_the_money_pages_need_a_login_except_transparency(client, personas):
    assert client.get(reverse("finance:payments")).status_code == 302
    assert client.get(reverse("finance:statements")).status_code == 302
    assert client.get(reverse("finance:transparency")).status_code == 200
    assert client.get(reverse("finance:index"))["Location"] == reverse("finance:transparency")


def test_staff_see_a_wrong_or_unknown_national_code_next_to_its_field(client, personas):
    client.force_login(personas.clerk_a)
    _html, form = _new_payment_form(client)
    form.update(channel="in_person", court_fee="0")

    url = reverse("finance:payment-new")
    bad = client.post(url, {**form, "payer_national_code": "1234567890"}, HTTP_ACCEPT_LANGUAGE="en")
    unknown = client.post(url, {**form, "payer_national_code": "0010350829"}, HTTP_ACCEPT_LANGUAGE="en")

    assert bad.status_code == unknown.status_code == 200
    assert bad.context["form"].errors["payer_national_code"]
    assert unknown.context["form"].errors["payer_national_code"] == ["No citizen has this national code."]
    assert Payment.objects.count() == 0


def test_a_refused_refund_comes_back_as_a_message_naming_the_field(client, personas, make_payment):
    payment = services.payment_record_at_counter(payment=make_payment(), actor=personas.clerk_a)
    client.force_login(personas.clerk_a)

    page = client.post(
        reverse("finance:payment-refund", kwargs={"ref": payment.uuid}),
        {"part": "office_fee", "amount": "999999999", "reason": "too much"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()

    assert "Amount (rials): At most 770000 rials." in page
    assert Refund.objects.count() == 0
