"""The accounts API: tokens, OTP, sign-up and /me, always answering errors with one envelope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tanzim.accounts.models import ApiToken, RoleAssignment, User
from tanzim.accounts.services import api_token_hash, api_token_issue
from tanzim.notify.models import Message
from tanzim.testing.factories import CitizenFactory, UserFactory, next_national_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
PERSONAS = [
    "citizen",
    "other_citizen",
    "clerk_a",
    "manager_a",
    "clerk_b",
    "mediator_a",
    "arbitrator_a",
    "consultant_a",
    "inspector",
    "province_admin_a",
    "kanoon_admin",
    "partner",
]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    if code is not None:
        assert body["code"] == code
    return body


def signup_payload(national_code: str, **extra) -> dict:
    return {
        "national_code": national_code,
        "mobile": "09121234567",
        "first_name": "مریم",
        "last_name": "کریمی",
        **extra,
    }


# --- token ---------------------------------------------------------------------------------


@pytest.fixture
def staff() -> User:
    return UserFactory.create(username="officer.api", mobile="+989121110001")


def test_staff_get_a_token_for_the_right_password(api, staff):
    response = api.post(
        reverse("api:auth-token"), {"username": "officer.api", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get(user=staff)
    assert set(body) == {"id", "token", "expires_at"}
    assert (body["id"], token.key_hash) == (token.pk, api_token_hash(body["token"]))


def test_a_wrong_password_is_a_400_with_bad_credentials(api, staff):
    response = api.post(
        reverse("api:auth-token"), {"username": "officer.api", "password": "x"}, format="json"
    )

    assert_envelope(response, 400, "bad_credentials")
    assert not ApiToken.objects.exists()


def test_a_token_request_without_a_password_names_the_field(api):
    response = api.post(reverse("api:auth-token"), {"username": "officer.api"}, format="json")

    body = assert_envelope(response, 400, "invalid")
    assert set(body["fields"]) == {"password"}


@pytest.mark.parametrize("username", ["officer.api", "nobody.here"], ids=["known", "unknown"])
def test_too_many_wrong_passwords_slow_the_token_endpoint_with_retry_after(
    api, staff, username, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    url = reverse("api:auth-token")
    statuses = [
        api.post(url, {"username": username, "password": "wrong"}, format="json").status_code
        for _ in range(settings.LOGIN_MAX_FAILURES + 1)
    ]

    response = api.post(url, {"username": username, "password": PASSWORD}, format="json")

    assert statuses == [400] * settings.LOGIN_MAX_FAILURES + [429]
    assert_envelope(response, 429, "sign_in_delayed")
    assert response["Retry-After"] == "1"
    assert not ApiToken.objects.exists()


# --- sign-up -------------------------------------------------------------------------------


def test_signup_answers_202_and_creates_an_inactive_citizen(api):
    code = next_national_code()

    response = api.post(reverse("api:citizen-signup"), signup_payload(code), format="json")

    assert response.status_code == 202
    assert set(response.json()) == {"detail"}
    assert not User.objects.get(national_code=code).is_active


def test_signup_answers_the_same_whether_or_not_the_code_is_taken(api):
    taken = CitizenFactory().national_code

    fresh = api.post(reverse("api:citizen-signup"), signup_payload(next_national_code()), format="json")
    existing = api.post(reverse("api:citizen-signup"), signup_payload(taken), format="json")

    assert (existing.status_code, existing.json()) == (fresh.status_code, fresh.json())
    assert fresh.status_code == 202


def test_signup_takes_an_iso_birth_date(api):
    code = next_national_code()

    response = api.post(
        reverse("api:citizen-signup"), signup_payload(code, birth_date="1991-08-12"), format="json"
    )

    assert response.status_code == 202
    assert User.objects.get(national_code=code).birth_date.isoformat() == "1991-08-12"


@pytest.mark.parametrize("birth_date", ["1370/05/21", "۱۳۷۰/۰۵/۲۱", "12/08/1991", "1991-02-30"])
def test_signup_refuses_a_birth_date_that_is_not_an_iso_date(api, birth_date):
    code = next_national_code()

    response = api.post(
        reverse("api:citizen-signup"), signup_payload(code, birth_date=birth_date), format="json"
    )

    body = assert_envelope(response, 400, "invalid")
    assert set(body["fields"]) == {"birth_date"}
    assert not User.objects.filter(national_code=code).exists()


def test_signup_refuses_a_birth_date_in_the_future(api):
    code = next_national_code()

    response = api.post(
        reverse("api:citizen-signup"), signup_payload(code, birth_date="2999-01-01"), format="json"
    )

    body = assert_envelope(response, 400)
    assert set(body["fields"]) == {"birth_date"}


@pytest.mark.parametrize("national_code", ["1111111111", "0499370898", "12ab"])
def test_signup_with_a_bad_national_code_is_a_400_naming_the_field(api, national_code):
    response = api.post(reverse("api:citizen-signup"), signup_payload(national_code), format="json")

    body = assert_envelope(response, 400)
    assert set(body["fields"]) == {"national_code"}
    assert all(isinstance(m, str) and m for m in body["fields"]["national_code"])
    assert not User.objects.exists()
    assert not Message.objects.exists()


def test_signup_with_a_bad_mobile_is_a_400_naming_the_field(api):
    payload = signup_payload(next_national_code(), mobile="02166554433")

    body = assert_envelope(api.post(reverse("api:citizen-signup"), payload, format="json"), 400)

    assert set(body["fields"]) == {"mobile"}
    assert not Message.objects.exists()


def test_signup_without_names_lists_every_missing_field(api):
    response = api.post(
        reverse("api:citizen-signup"),
        {"national_code": next_national_code(), "mobile": "09121234567"},
        format="json",
    )

    body = assert_envelope(response, 400, "invalid")
    assert set(body["fields"]) == {"first_name", "last_name"}


# --- OTP -----------------------------------------------------------------------------------


def test_otp_request_verify_token_and_me_work_end_to_end(api, sms_code):
    citizen = CitizenFactory(mobile="+989121234567")

    requested = api.post(
        reverse("api:otp-request"),
        {"national_code": citizen.national_code, "mobile": "۰۹۱۲۱۲۳۴۵۶۷"},
        format="json",
    )
    verified = api.post(
        reverse("api:otp-verify"),
        {"national_code": citizen.national_code, "code": sms_code(citizen)},
        format="json",
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {verified.json()['token']}")
    me = api.get(reverse("api:me"))

    assert requested.status_code == 200
    assert verified.status_code == 200
    assert me.status_code == 200
    assert me.json()["id"] == citizen.pk
    assert me.json()["roles"] == [{"role": "citizen", "office": None, "province": None, "valid_until": None}]


def test_signup_then_verify_activates_the_account(api, sms_code):
    code = next_national_code()
    api.post(reverse("api:citizen-signup"), signup_payload(code), format="json")
    user = User.objects.get(national_code=code)

    response = api.post(
        reverse("api:otp-verify"), {"national_code": code, "code": sms_code(user)}, format="json"
    )

    assert response.status_code == 200
    assert ApiToken.objects.get(user=user).key_hash == api_token_hash(response.json()["token"])
    user.refresh_from_db()
    assert user.is_active


def test_otp_request_answers_the_same_for_an_unknown_national_code(api):
    citizen = CitizenFactory(mobile="+989121234567")
    url = reverse("api:otp-request")

    known = api.post(url, {"national_code": citizen.national_code, "mobile": "09121234567"}, format="json")
    unknown = api.post(url, {"national_code": next_national_code(), "mobile": "09121234567"}, format="json")

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert Message.objects.filter(recipient=citizen).count() == 1


def test_otp_request_with_a_bad_national_code_names_the_field(api):
    response = api.post(
        reverse("api:otp-request"), {"national_code": "1111111111", "mobile": "09121234567"}, format="json"
    )

    body = assert_envelope(response, 400)
    assert set(body["fields"]) == {"national_code"}


def test_otp_verify_with_a_bad_national_code_names_the_field(api):
    response = api.post(
        reverse("api:otp-verify"), {"national_code": "0000000000", "code": "123456"}, format="json"
    )

    body = assert_envelope(response, 400)
    assert set(body["fields"]) == {"national_code"}


def test_too_many_otp_requests_are_a_429_with_retry_after(api):
    url = reverse("api:otp-request")
    payload = {"national_code": next_national_code(), "mobile": "09121234567"}
    for _ in range(settings.OTP_REQUESTS_PER_HOUR):
        assert api.post(url, payload, format="json").status_code == 200

    response = api.post(url, payload, format="json")

    assert_envelope(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


def test_a_wrong_otp_is_a_400_with_invalid_code(api, sms_code):
    citizen = CitizenFactory(mobile="+989121234567")
    api.post(
        reverse("api:otp-request"),
        {"national_code": citizen.national_code, "mobile": "09121234567"},
        format="json",
    )
    wrong = "".join(str((int(d) + 1) % 10) for d in sms_code(citizen))

    response = api.post(
        reverse("api:otp-verify"), {"national_code": citizen.national_code, "code": wrong}, format="json"
    )

    assert_envelope(response, 400, "invalid_code")
    assert not ApiToken.objects.exists()


# --- /me -----------------------------------------------------------------------------------


def test_me_without_credentials_is_refused_with_the_envelope(api):
    response = api.get(reverse("api:me"))

    body = assert_envelope(response, response.status_code)
    assert response.status_code in (401, 403)
    assert body["code"] in ("not_authenticated", "permission_denied")


def test_me_with_a_bad_token_is_refused_with_the_envelope(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get(reverse("api:me"))

    assert response.status_code in (401, 403)
    assert_envelope(response, response.status_code)


def test_me_does_not_list_expired_roles(api, personas):
    now = timezone.now()
    RoleAssignment.objects.create(
        user=personas.clerk_a,
        role="mediator",
        office=personas.office_b,
        valid_from=now - timedelta(days=10),
        valid_until=now - timedelta(days=1),
    )
    api.force_authenticate(personas.clerk_a)

    roles = api.get(reverse("api:me")).json()["roles"]

    assert [(r["role"], r["office"]) for r in roles] == [("clerk", "A0001")]


@pytest.mark.parametrize("name", PERSONAS)
def test_me_shows_each_persona_only_their_own_account(api, personas, name):
    user = getattr(personas, name)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).key}")

    response = api.get(reverse("api:me"))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["username"], body["mobile"]) == (user.pk, user.username, user.mobile)
    expected_roles = sorted(
        (a.role, a.office.code if a.office else None, a.province.code if a.province else None)
        for a in user.roles.all()
    )
    assert sorted((r["role"], r["office"], r["province"]) for r in body["roles"]) == expected_roles
    others = [getattr(personas, n) for n in PERSONAS if n != name]
    assert not any(other.username in response.content.decode() for other in others)
    # The denied side: the same request without the token gets nothing.
    api.credentials()
    assert api.get(reverse("api:me")).status_code in (401, 403)
