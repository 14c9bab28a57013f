"""Staff sign-in pages: the second step, enrolment forced for the roles that require it, recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tanzim.accounts import twofactor
from tanzim.testing.accounts import latest_code
from tanzim.testing.factories import next_national_code
from tanzim.testing.twofactor import current_code, enrol

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def password(client, username: str, next_url: str = ""):
    url = reverse("web:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": PASSWORD})


def test_a_kanoon_administrator_cannot_reach_a_staff_page_before_enrolling(client, personas):
    signed = password(client, "kanoon")
    home = client.get(reverse("web:home"))
    admin = client.get("/admin/")

    assert signed.status_code == 302 and signed["Location"] == reverse("web:two-factor")
    assert home.status_code == 302 and home["Location"] == reverse("web:two-factor")
    assert admin.status_code == 302 and admin["Location"] == reverse("web:two-factor")


def test_enrolling_on_the_page_shows_the_qr_code_and_then_the_recovery_codes_once(client, personas):
    password(client, "province.a")
    page = client.get(reverse("web:two-factor"))
    secret = twofactor.unseal(personas.province_admin_a.totp.secret)

    done = client.post(reverse("web:two-factor"), {"code": current_code(secret)})
    again = client.get(reverse("web:two-factor"))
    home = client.get(reverse("web:home"))

    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and secret[:4] in body
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert all(code in done.content.decode() for code in done.context["codes"])
    assert (
        again.status_code == 200 and not again.context["codes"] and secret[:4] not in again.content.decode()
    )
    assert home.status_code == 200


def test_a_wrong_first_code_keeps_the_enrolment_open(client, personas):
    password(client, "inspector")

    refused = client.post(reverse("web:two-factor"), {"code": "000000"})

    assert refused.status_code == 200 and refused.context["form"].errors
    assert not twofactor.is_enrolled(personas.inspector)
    assert client.get(reverse("web:home"))["Location"] == reverse("web:two-factor")


def test_an_enrolled_member_signs_in_with_password_then_code(client, personas, frozen):
    secret, _codes = enrol(personas.inspector)
    frozen.shift(timedelta(seconds=30))

    asked = password(client, "inspector", next_url="/inbox/")
    before = signed_in_as(client)
    wrong = client.post(reverse("web:two-factor-verify"), {"code": "123456"})
    right = client.post(reverse("web:two-factor-verify"), {"code": current_code(secret)})

    assert asked.status_code == 302 and asked["Location"] == reverse("web:two-factor-verify")
    assert before is None  # not signed in by the password alone
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    assert right.status_code == 302 and right["Location"] == "/inbox/"
    assert signed_in_as(client) == personas.inspector.pk
    assert client.get(reverse("web:home")).status_code == 200


def test_a_recovery_code_lets_a_member_without_their_phone_in(client, personas):
    _secret, codes = enrol(personas.kanoon_admin)
    password(client, "kanoon")

    response = client.post(reverse("web:two-factor-verify"), {"code": codes[0]})

    assert response.status_code == 302 and signed_in_as(client) == personas.kanoon_admin.pk


def test_the_second_step_must_follow_the_password_soon(client, personas, frozen, settings):
    secret, _codes = enrol(personas.inspector)
    password(client, "inspector")
    frozen.shift(timedelta(seconds=settings.TWO_FACTOR_PENDING_SECONDS + 1))

    response = client.post(reverse("web:two-factor-verify"), {"code": current_code(secret)})

    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert signed_in_as(client) is None


def test_office_staff_may_sign_in_without_it_and_turn_it_on(client, personas):
    signed = password(client, "clerk.a")
    page = client.get(reverse("web:two-factor"))

    assert signed.status_code == 302 and signed["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    assert page.status_code == 200 and "<svg" in page.content.decode()


def test_citizens_have_no_enrolment_page(client, personas):
    client.force_login(personas.citizen)

    assert client.get(reverse("web:two-factor")).status_code == 404


def test_an_sms_sign_in_of_an_enrolled_staff_member_still_owes_the_second_step(client, personas):
    inspector = personas.inspector
    inspector.national_code = next_national_code()
    inspector.save()
    enrol(inspector)
    client.post(
        reverse("web:otp-request"), {"national_code": inspector.national_code, "mobile": inspector.mobile}
    )
    client.post(reverse("web:otp-verify"), {"code": latest_code(inspector)})

    home = client.get(reverse("web:home"))

    assert signed_in_as(client) == inspector.pk
    assert home.status_code == 302 and home["Location"].startswith(reverse("web:two-factor-verify"))


def test_renewing_the_recovery_codes_on_the_page(client, personas):
    _secret, old = enrol(personas.clerk_a)
    client.force_login(personas.clerk_a)

    response = client.post(reverse("web:two-factor"), {"action": "renew"})

    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
