"""The attacks of issue 13 (1), played against the staff sign-in page, /admin/login/ and the API.

- 12 wrong passwords, then the right one, through /admin/login/: refused until the wait is over.
- Password spraying across 25 accounts from one address: stopped by the per-address limit.
- A stranger's wrong guesses cannot keep out the owner who completes the second factor.
- Above the global ceiling every account waits from its first failure.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tanzim.accounts.choices import Role
from tanzim.accounts.services import sign_in_wait
from tanzim.testing.factories import UserFactory, give_role
from tanzim.testing.twofactor import current_code, enrol

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def post_login(client, url: str, username: str, password: str, ip: str, **extra):
    return client.post(url, {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


def signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def test_admin_login_is_the_staff_sign_in_page(client):
    admin_page = client.get("/admin/login/?next=/admin/")
    to_login = client.get("/admin/")

    assert admin_page.status_code == 200
    assert admin_page.templates[0].name == "web/login.html"
    assert to_login.status_code == 302 and to_login["Location"].startswith("/admin/login/")


def test_twelve_wrong_passwords_then_the_right_one_via_admin_login_waits_for_the_delay(client, frozen):
    staff = UserFactory.create(username="office.admin", is_staff=True)
    url = "/admin/login/?next=/admin/"
    for _ in range(12):  # each guess made as soon as the account allows it
        post_login(client, url, "office.admin", "guess", ATTACKER)
        frozen.shift(timedelta(seconds=sign_in_wait("office.admin")))
    post_login(client, url, "office.admin", "guess", ATTACKER)  # the 13th guess sets the wait running
    wait = sign_in_wait("office.admin")

    refused = post_login(client, url, "office.admin", PASSWORD, OWNER)
    frozen.shift(timedelta(seconds=wait - 1))
    still_refused = post_login(client, url, "office.admin", PASSWORD, OWNER)
    frozen.shift(timedelta(seconds=1))
    accepted = post_login(client, url, "office.admin", PASSWORD, OWNER)

    assert wait == 2 ** (13 - settings.LOGIN_MAX_FAILURES)
    assert refused.status_code == still_refused.status_code == 429
    assert accepted.status_code == 302 and accepted["Location"] == "/admin/"
    assert signed_in_as(client) == staff.pk


def test_twelve_quick_wrong_passwords_count_five_and_the_right_one_waits(client, frozen):
    UserFactory.create(username="office.admin", is_staff=True)
    statuses = [
        post_login(client, "/admin/login/", "office.admin", "guess", ATTACKER).status_code for _ in range(12)
    ]

    right = post_login(client, "/admin/login/", "office.admin", PASSWORD, ATTACKER)

    assert statuses == [200] * settings.LOGIN_MAX_FAILURES + [429] * (12 - settings.LOGIN_MAX_FAILURES)
    assert right.status_code == 429 and signed_in_as(client) is None


def test_password_spraying_across_25_accounts_from_one_address_is_stopped(client):
    for n in range(25):
        UserFactory.create(username=f"staff{n:02d}")
    statuses = [
        post_login(client, reverse("web:login"), f"staff{n:02d}", "Winter2026!", ATTACKER).status_code
        for n in range(25)
    ]
    # Even the right password is not looked at from that address during the window...
    right = post_login(client, reverse("web:login"), "staff24", PASSWORD, ATTACKER)
    # ...while its owner, elsewhere, signs in normally.
    owner = post_login(client, reverse("web:login"), "staff24", PASSWORD, OWNER)

    limit = settings.LOGIN_IP_MAX_FAILURES
    assert statuses == [200] * limit + [429] * (25 - limit)
    assert right.status_code == 429
    assert owner.status_code == 302


def test_the_address_limit_holds_on_the_api_too():
    api = APIClient(REMOTE_ADDR=ATTACKER)
    for n in range(settings.LOGIN_IP_MAX_FAILURES):
        api.post(reverse("api:auth-token"), {"username": f"nobody{n}", "password": "x"}, format="json")

    response = api.post(reverse("api:auth-token"), {"username": "nobody", "password": "x"}, format="json")

    assert response.status_code == 429 and response.json()["code"] == "address_limited"


@pytest.mark.parametrize("attempts", [5, 12])
def test_a_strangers_wrong_passwords_cannot_keep_out_the_owner_who_completes_two_factor(
    client, frozen, attempts
):
    owner = give_role(UserFactory.create(username="inspector.owner"), Role.INSPECTOR)
    secret, _codes = enrol(owner)
    frozen.shift(timedelta(seconds=30))
    for _ in range(attempts):
        post_login(client, reverse("web:login"), "inspector.owner", "guess", ATTACKER)
        if attempts > 5:
            frozen.shift(timedelta(seconds=sign_in_wait("inspector.owner")))
    if attempts > 5:
        post_login(client, reverse("web:login"), "inspector.owner", "guess", ATTACKER)
    assert sign_in_wait("inspector.owner") > 0

    asked = post_login(client, reverse("web:login"), "inspector.owner", PASSWORD, OWNER)
    entered = post_login(
        client, reverse("web:login"), "inspector.owner", PASSWORD, OWNER, otp=current_code(secret)
    )

    assert asked.status_code == 429 and 'name="otp"' in asked.content.decode()
    assert entered.status_code == 302 and signed_in_as(client) == owner.pk
    assert sign_in_wait("inspector.owner") == 0  # lifted


def test_during_the_wait_a_guess_with_a_made_up_code_is_refused_like_any_other(client, frozen):
    owner = give_role(UserFactory.create(username="inspector.owner"), Role.INSPECTOR)
    enrol(owner)
    for _ in range(settings.LOGIN_MAX_FAILURES):
        post_login(client, reverse("web:login"), "inspector.owner", "guess", ATTACKER)

    wrong_password = post_login(
        client, reverse("web:login"), "inspector.owner", "guess", ATTACKER, otp="123456"
    )
    right_password = post_login(
        client, reverse("web:login"), "inspector.owner", PASSWORD, ATTACKER, otp="123456"
    )

    # One answer whichever part was wrong: the password is not confirmed without the code.
    for response in (wrong_password, right_password):
        assert response.status_code == 200 and signed_in_as(client) is None
    assert wrong_password.context["form"].errors == right_password.context["form"].errors


def test_the_api_lets_the_owner_in_during_the_wait_with_the_code(frozen):
    owner = give_role(UserFactory.create(username="inspector.owner"), Role.INSPECTOR)
    secret, _codes = enrol(owner)
    frozen.shift(timedelta(seconds=30))
    attacker = APIClient(REMOTE_ADDR=ATTACKER)
    for _ in range(settings.LOGIN_MAX_FAILURES):
        attacker.post(
            reverse("api:auth-token"), {"username": "inspector.owner", "password": "x"}, format="json"
        )

    without = APIClient(REMOTE_ADDR=OWNER).post(
        reverse("api:auth-token"), {"username": "inspector.owner", "password": PASSWORD}, format="json"
    )
    with_code = APIClient(REMOTE_ADDR=OWNER).post(
        reverse("api:auth-token"),
        {"username": "inspector.owner", "password": PASSWORD, "otp": current_code(secret)},
        format="json",
    )

    assert without.status_code == 429 and without.json()["code"] == "sign_in_delayed"
    assert with_code.status_code == 200 and with_code.json()["token"]


def test_above_the_global_ceiling_every_account_waits_from_its_first_failure(client, settings):
    settings.LOGIN_GLOBAL_MAX_FAILURES = 10
    for n in range(10):  # a slow, distributed attack: one guess per account, each from its own address
        post_login(client, reverse("web:login"), f"target{n}", "guess", f"192.0.2.{n + 1}")
    UserFactory.create(username="fresh.account")

    post_login(client, reverse("web:login"), "fresh.account", "guess", "192.0.2.200")

    assert sign_in_wait("fresh.account") == 1
    assert sign_in_wait("target0") == 0  # counted before the ceiling: no wait yet
