"""Issue 15, 4: a link from an SMS or a calendar brings a signed-out citizen to the sign-in by
code (staff pages to the staff sign-in), and after the code to the page they asked for."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from tanzim.testing.factories import CitizenFactory, next_national_code

pytestmark = pytest.mark.django_db

DETAILS_SENT = "If the details match an account, a code has been sent by SMS."


def _code_from(content: str) -> str:
    sms = re.search(r'<p class="mb-1 demo-sms">(.*?)</p>', content, re.S)
    assert sms, "the demo SMS is not on the page"
    found = re.search(r"[0-9۰-۹]{6}", sms.group(1))
    assert found, sms.group(1)
    return found.group(0)


def _landing(client, path: str) -> str:
    """Where a signed-out visitor opening ``path`` ends up, following redirects."""
    response = client.get(path, follow=True)
    return response.redirect_chain[-1][0]


@pytest.mark.parametrize("path", ["/home/", "/appointments/", "/cases/", "/disputes/mine/", "/inbox/"])
def test_a_citizen_page_sends_a_signed_out_visitor_to_the_sign_in_by_code(client, path):
    assert _landing(client, path) == f"{reverse('web:otp-request')}?next={quote(path, safe='')}"


@pytest.mark.parametrize(
    "path", ["/cases/worklist/", "/inspections/", "/disputes/board/", "/finance/kanoon/", "/ranking/runs/"]
)
def test_a_staff_page_sends_a_signed_out_visitor_to_the_staff_sign_in(client, path):
    assert _landing(client, path) == f"{reverse('web:login')}?next={quote(path, safe='')}"


def test_the_choice_never_carries_another_site_along(client):
    response = client.get(reverse("web:sign-in") + "?next=https://evil.example/x")
    assert response["Location"] == reverse("web:otp-request")


def test_each_sign_in_page_links_to_the_other_with_the_page_asked_for(client):
    otp = client.get(reverse("web:otp-request") + "?next=/appointments/").content.decode()
    assert 'href="/login/?next=/appointments/"' in otp
    assert 'href="/signup/?next=/appointments/"' in otp
    staff = client.get(reverse("web:login") + "?next=/cases/worklist/").content.decode()
    assert 'href="/login/otp/?next=/cases/worklist/"' in staff


def test_after_the_code_the_citizen_lands_on_the_page_asked_for(client, settings):
    settings.SHOW_OUTBOX_IN_UI = True
    citizen = CitizenFactory(mobile="+989121234567")
    target = "/appointments/"
    response = client.post(
        f"{reverse('web:otp-request')}?next={quote(target, safe='')}",
        {"national_code": citizen.national_code, "mobile": "09121234567"},
    )
    assert response["Location"] == reverse("web:otp-verify")
    code = _code_from(client.get(reverse("web:otp-verify")).content.decode())
    response = client.post(reverse("web:otp-verify"), {"code": code})
    assert response["Location"] == target


def test_signing_up_from_a_link_returns_to_it_and_says_the_code_was_sent_once(client, settings):
    settings.SHOW_OUTBOX_IN_UI = True
    signup = client.get(reverse("web:signup") + "?next=/appointments/")
    assert 'href="/login/otp/?next=/appointments/"' in signup.content.decode()
    details = {
        "national_code": next_national_code(),
        "mobile": "09127654321",
        "first_name": "مریم",
        "last_name": "کاظمی",
        "birth_date": "1370/05/21",
        "preferred_language": "en",
    }
    response = client.post(reverse("web:signup") + "?next=/appointments/", details)
    assert response["Location"] == reverse("web:otp-verify")
    page = client.get(reverse("web:otp-verify"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("a code has been sent by SMS") == 1
    response = client.post(reverse("web:otp-verify"), {"code": _code_from(page)})
    assert response["Location"] == "/appointments/"


def test_the_landing_page_offers_sign_up(client):
    page = client.get(reverse("web:index")).content.decode()
    assert f'href="{reverse("web:signup")}"' in page
