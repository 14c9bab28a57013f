"""The identity pages: a person abroad sends a passport or a consular reference; the office that was
asked checks it (another office gets a 404); bad input is a clear error with nothing lost."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tanzim.accounts.choices import IdentityStatus
from tanzim.accounts.models import IdentityCheck
from tanzim.accounts.tests.test_identity import passport_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def abroad(personas):
    user = personas.citizen
    user.resident_abroad, user.time_zone, user.preferred_language = True, "America/Toronto", "en"
    user.save()
    return user


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_the_page_explains_the_step_and_bad_input_keeps_what_was_typed(client, personas, abroad):
    client.force_login(abroad)
    page = client.get(reverse("web:identity"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Not verified yet." in page.content.decode()
    bad = client.post(
        reverse("web:identity"), {"method": "consular", "reference": "BER 2026/7 <x>", "office": ""}
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Choose the office that should check your identity." in body
    assert not IdentityCheck.objects.exists()


def test_send_a_passport_then_the_office_approves_it(client, personas, abroad):
    client.force_login(abroad)
    sent = client.post(
        reverse("web:identity"),
        {"method": "document", "office": personas.office_a.pk, "document": passport_png()},
    )
    assert sent.status_code == 302
    check = IdentityCheck.objects.get()
    page = client.get(reverse("web:identity"))
    assert "The office will check it" in page.content.decode()

    client.force_login(personas.clerk_b)  # another office: the same answer as a missing id
    assert client.get(reverse("web:identity-review", args=[check.pk])).status_code == 404
    assert (
        client.post(reverse("web:identity-review", args=[check.pk]), {"decision": "approve"}).status_code
        == 404
    )
    assert client.post(reverse("web:identity-document", args=[check.pk])).status_code == 404
    assert str(abroad.display_name) not in client.get(reverse("web:identity-queue")).content.decode()

    client.force_login(personas.clerk_a)
    queue = client.get(reverse("web:identity-queue"))
    assert reverse("web:identity-review", args=[check.pk]) in queue.content.decode()
    document = client.post(reverse("web:identity-document", args=[check.pk]))
    assert document.status_code == 303
    no_reason = client.post(
        reverse("web:identity-review", args=[check.pk]), {"decision": "refuse", "reason": ""}
    )
    assert no_reason.status_code == 400
    done = client.post(reverse("web:identity-review", args=[check.pk]), {"decision": "approve"})
    assert done.status_code == 302
    check.refresh_from_db()
    assert check.status == IdentityStatus.APPROVED

    client.force_login(abroad)
    assert "Your identity is verified." in client.get(reverse("web:identity")).content.decode()


def test_a_refusal_is_shown_to_the_person_with_its_reason_in_persian(client, personas, abroad):
    client.force_login(abroad)
    client.post(
        reverse("web:identity"), {"method": "consular", "reference": "TOR-55", "office": personas.office_a.pk}
    )
    check = IdentityCheck.objects.get()
    client.force_login(personas.manager_a)
    client.post(
        reverse("web:identity-review", args=[check.pk]), {"decision": "refuse", "reason": "شماره یافت نشد"}
    )
    persian = Client(HTTP_ACCEPT_LANGUAGE="fa")
    persian.force_login(abroad)
    body = persian.get(reverse("web:identity")).content.decode()
    assert "شماره یافت نشد" in body
    assert "دفتر نتوانست هویت شما را تأیید کند" in body and "فرستادن برای بررسی" in body


def test_the_abroad_page_names_the_identity_step_the_link_and_moving_abroad_in_both_languages(client):
    english = client.get(reverse("web:abroad")).content.decode()
    assert reverse("web:identity") in english
    assert "cards issued abroad do not work on Iranian payment gateways" in english
    assert "Moving back never shortens a period already running." in english
    persian = Client(HTTP_ACCEPT_LANGUAGE="fa").get(reverse("web:abroad")).content.decode()
    assert "کارت‌های بانکی خارجی در درگاه‌های پرداخت ایران کار نمی‌کنند" in persian
    assert "بازگشت به ایران هیچ مهلتِ در جریانی را کوتاه نمی‌کند" in persian


def test_the_identity_queue_is_on_the_clerks_desk_not_the_citizens(client, personas):
    from django.urls import reverse

    queue = reverse("web:identity-queue")
    client.force_login(personas.clerk_a)
    assert queue in client.get(reverse("web:home")).content.decode()
    client.force_login(personas.citizen)
    assert queue not in client.get(reverse("web:home")).content.decode()
