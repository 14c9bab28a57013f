"""API tokens (issue 13, 5): expiring, a new one per sign-in, revocable by their owner and an
administrator, revoked at logout (API and page) and when a role ends; the second factor on the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tanzim.accounts.choices import Role
from tanzim.accounts.models import ApiToken, RoleAssignment
from tanzim.accounts.services import api_token_issue, role_end
from tanzim.audit.models import AuditEvent
from tanzim.testing.accounts import latest_code
from tanzim.testing.factories import CitizenFactory, UserFactory, give_role
from tanzim.testing.twofactor import current_code, enrol

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def sign_in(username: str, **extra) -> dict:
    response = APIClient().post(
        reverse("api:auth-token"), {"username": username, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def client_with(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def me_status(key: str) -> int:
    return client_with(key).get(reverse("api:me")).status_code


@pytest.fixture
def clerk(personas):
    return personas.clerk_a


def test_each_sign_in_gets_a_new_token_and_only_its_hash_is_stored(clerk):
    first, second = sign_in("clerk.a"), sign_in("clerk.a", label="tablet")

    assert first["token"] != second["token"]
    assert me_status(first["token"]) == me_status(second["token"]) == 200
    stored = ApiToken.objects.filter(user=clerk)
    assert stored.count() == 2
    assert not stored.filter(key_hash__in=[first["token"], second["token"]]).exists()
    assert stored.get(pk=second["id"]).label == "tablet"


def test_a_token_expires_after_its_lifetime(clerk, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    issued = sign_in("clerk.a")

    time_machine.shift(timedelta(seconds=settings.API_TOKEN_TTL - 1))
    before = me_status(issued["token"])
    time_machine.shift(timedelta(seconds=1))
    after = client_with(issued["token"]).get(reverse("api:me"))

    assert before == 200
    assert after.status_code == 401 and after.json()["code"] == "authentication_failed"
    assert after["WWW-Authenticate"] == "Token"


def test_a_made_up_or_altered_key_is_refused(clerk):
    key = sign_in("clerk.a")["token"]

    assert me_status(key[:-1] + ("A" if key[-1] != "A" else "B")) == 401
    assert me_status(key[:8]) == 401
    assert me_status("x" * 43) == 401


def test_logout_revokes_the_presented_token_only(clerk):
    phone, laptop = sign_in("clerk.a"), sign_in("clerk.a")

    response = client_with(phone["token"]).post(reverse("api:auth-logout"))

    assert response.status_code == 204
    assert me_status(phone["token"]) == 401
    assert me_status(laptop["token"]) == 200


def test_the_owner_lists_live_tokens_without_keys(clerk, personas):
    old = sign_in("clerk.a")
    current = sign_in("clerk.a")
    client_with(old["token"]).post(reverse("api:auth-logout"))
    sign_in("manager.a")

    listed = client_with(current["token"]).get(reverse("api:auth-tokens"))

    assert listed.status_code == 200
    rows = listed.json()
    assert [r["id"] for r in rows] == [current["id"]]
    assert rows[0]["current"] is True and rows[0]["prefix"] == current["token"][:8]
    assert set(rows[0]) == {"id", "label", "prefix", "created_at", "expires_at", "last_used_at", "current"}
    assert current["token"] not in listed.content.decode()


def test_the_owner_revokes_one_token_and_another_persons_answers_404(clerk, personas):
    mine, other = sign_in("clerk.a"), sign_in("clerk.a")
    theirs = sign_in("manager.a")

    revoked = client_with(mine["token"]).delete(reverse("api:auth-token-detail", args=[other["id"]]))
    not_mine = client_with(mine["token"]).delete(reverse("api:auth-token-detail", args=[theirs["id"]]))
    missing = client_with(mine["token"]).delete(reverse("api:auth-token-detail", args=[999_999]))

    assert revoked.status_code == 204 and me_status(other["token"]) == 401
    assert not_mine.status_code == missing.status_code == 404
    assert not_mine.json()["code"] == missing.json()["code"]
    assert me_status(theirs["token"]) == 200
    assert AuditEvent.objects.filter(action="accounts.api_token.revoked").count() == 1


def test_ending_a_role_revokes_the_holders_tokens(clerk):
    key = sign_in("clerk.a")["token"]

    role_end(actor=None, assignment=RoleAssignment.objects.get(user=clerk, role=Role.CLERK))

    assert me_status(key) == 401
    assert AuditEvent.objects.filter(action="accounts.role.ended").exists()


def test_a_role_ended_or_deleted_in_the_admin_revokes_the_tokens_too(clerk):
    first = sign_in("clerk.a")["token"]
    assignment = RoleAssignment.objects.get(user=clerk, role=Role.CLERK)
    assignment.valid_until = timezone.now()
    assignment.save()
    second = sign_in("clerk.a")["token"]

    assignment.delete()

    assert me_status(first) == me_status(second) == 401


def test_a_role_created_with_a_future_end_revokes_nothing(clerk):
    key = sign_in("clerk.a")["token"]
    give_role(clerk, Role.MEDIATOR, office=clerk.roles.first().office)
    RoleAssignment.objects.filter(user=clerk, role=Role.MEDIATOR).update(
        valid_until=timezone.now() + timedelta(days=1)
    )

    assert me_status(key) == 200


def test_signing_out_of_the_website_revokes_every_token(client, clerk):
    key = sign_in("clerk.a")["token"]
    client.force_login(clerk)

    client.post(reverse("web:logout"))

    assert me_status(key) == 401


def test_an_administrator_revokes_tokens_in_the_admin(client):
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    holder = UserFactory.create(username="holder")
    key = api_token_issue(user=holder).key
    token = ApiToken.objects.get(user=holder)
    client.force_login(admin)

    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert response.status_code == 302
    assert me_status(key) == 401


def test_an_administrator_revokes_all_of_a_users_tokens(client):
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    holder = UserFactory.create(username="holder")
    keys = [api_token_issue(user=holder).key for _ in range(2)]
    client.force_login(admin)

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_api_tokens", "_selected_action": [holder.pk]},
    )

    assert [me_status(k) for k in keys] == [401, 401]


# --- the second factor on the API ------------------------------------------------------------


def test_an_enrolled_staff_member_needs_the_code_for_a_token(personas, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    secret, _codes = enrol(personas.clerk_a)
    time_machine.shift(timedelta(seconds=30))
    url = reverse("api:auth-token")

    without = APIClient().post(url, {"username": "clerk.a", "password": PASSWORD}, format="json")
    wrong = APIClient().post(
        url, {"username": "clerk.a", "password": PASSWORD, "otp": "12345"}, format="json"
    )
    right = APIClient().post(
        url, {"username": "clerk.a", "password": PASSWORD, "otp": current_code(secret)}, format="json"
    )

    assert without.status_code == 400 and without.json()["code"] == "otp_required"
    assert set(without.json()["fields"]) == {"otp"}
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_code"
    assert right.status_code == 200
    assert ApiToken.objects.filter(user=personas.clerk_a).count() == 1


def test_a_recovery_code_also_gets_a_token(personas):
    _secret, codes = enrol(personas.inspector)

    assert sign_in("inspector", otp=codes[0])["token"]


@pytest.mark.parametrize("name", ["kanoon_admin", "province_admin_a", "inspector"])
def test_a_role_that_requires_two_factor_gets_no_token_before_enrolling(personas, name):
    user = getattr(personas, name)

    response = APIClient().post(
        reverse("api:auth-token"), {"username": user.username, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403 and response.json()["code"] == "enrolment_required"
    assert not ApiToken.objects.exists()


def test_an_sms_code_is_no_way_around_the_authenticator(personas):
    inspector = personas.inspector
    inspector.national_code = CitizenFactory.build().national_code
    inspector.save()
    enrol(inspector)
    api = APIClient()
    api.post(
        reverse("api:otp-request"),
        {"national_code": inspector.national_code, "mobile": inspector.mobile},
        format="json",
    )

    response = api.post(
        reverse("api:otp-verify"),
        {"national_code": inspector.national_code, "code": latest_code(inspector)},
        format="json",
    )

    assert response.status_code == 403 and response.json()["code"] == "two_factor_required"
    assert not ApiToken.objects.exists()


def test_a_session_that_owes_the_second_step_is_not_signed_in_on_the_api(client, personas):
    enrol(personas.inspector)
    client.post(reverse("web:login"), {"username": "inspector", "password": PASSWORD})  # password only
    # A session made another way (e.g. an SMS sign-in) that never took the step:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = client.session
    session[SESSION_KEY] = str(personas.inspector.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = personas.inspector.get_session_auth_hash()
    session.save()

    response = client.get(reverse("api:me"))

    assert response.status_code in (401, 403)
