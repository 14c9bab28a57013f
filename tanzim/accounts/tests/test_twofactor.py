"""TOTP two-factor: the RFC's numbers, enrolment, replay, recovery codes, limits, reset, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tanzim.accounts import twofactor
from tanzim.accounts.choices import Role
from tanzim.accounts.models import RecoveryCode, TotpDevice
from tanzim.accounts.services import api_token_issue
from tanzim.audit.models import AuditEvent
from tanzim.common.errors import DomainError, RateLimitedError
from tanzim.testing.factories import CitizenFactory, UserFactory, give_role
from tanzim.testing.twofactor import current_code, enrol

pytestmark = pytest.mark.django_db

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890" (RFC 6238, SHA-1)


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
    ],
)
def test_totp_matches_the_rfc_6238_test_vectors(at, code):
    # The RFC lists eight digits; an authenticator app shows the last six.
    assert twofactor.totp(RFC_SECRET, at) == code


def test_a_code_of_the_step_before_or_after_is_accepted_but_not_two_steps_away():
    at = 1_700_000_000
    step = twofactor.step_at(at)

    assert twofactor.matching_step(RFC_SECRET, twofactor.hotp(RFC_SECRET, step - 1), at) == step - 1
    assert twofactor.matching_step(RFC_SECRET, twofactor.hotp(RFC_SECRET, step + 1), at) == step + 1
    assert twofactor.matching_step(RFC_SECRET, twofactor.hotp(RFC_SECRET, step - 2), at) is None


def test_the_provisioning_address_and_its_qr_code():
    user = UserFactory.create(username="inspector.karimi")
    enrolment = twofactor.enrolment_start(user=user)

    assert enrolment.uri.startswith("otpauth://totp/Tanzim%3Ainspector.karimi?secret=")
    assert "issuer=Tanzim" in enrolment.uri and "digits=6" in enrolment.uri and "period=30" in enrolment.uri
    assert enrolment.svg.startswith("<svg") and "<path" in enrolment.svg and "<script" not in enrolment.svg


def test_the_secret_is_stored_encrypted_and_reused_until_confirmed():
    user = UserFactory.create()
    first = twofactor.enrolment_start(user=user)
    again = twofactor.enrolment_start(user=user)
    stored = TotpDevice.objects.get(user=user).secret

    assert first.secret == again.secret
    assert first.secret not in stored
    assert twofactor.unseal(stored) == first.secret


def test_rotating_the_keys_keeps_every_secret_readable(settings):
    from cryptography.fernet import Fernet

    user = UserFactory.create()
    secret = twofactor.enrolment_start(user=user).secret
    new_key = Fernet.generate_key().decode()

    settings.TWO_FACTOR_KEYS = [new_key]
    with pytest.raises(DomainError):  # the new key alone cannot read the old secret
        twofactor.unseal(TotpDevice.objects.get(user=user).secret)
    settings.TWO_FACTOR_KEYS = [new_key, twofactor.derived_key(settings.SECRET_KEY)]
    assert twofactor.reseal_all() == 1
    settings.TWO_FACTOR_KEYS = [new_key]

    assert twofactor.unseal(TotpDevice.objects.get(user=user).secret) == secret


def test_enrolment_needs_a_right_code_and_gives_ten_single_use_recovery_codes():
    user = UserFactory.create()
    secret = twofactor.enrolment_start(user=user).secret

    with pytest.raises(DomainError) as wrong:
        twofactor.enrolment_confirm(
            user=user, code="000000" if current_code(secret) != "000000" else "111111"
        )
    codes = twofactor.enrolment_confirm(user=user, code=current_code(secret))

    assert wrong.value.code == "invalid_code"
    assert len(codes) == len(set(codes)) == 10
    assert twofactor.is_enrolled(user)
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert not stored & set(codes) and len(stored) == 10
    actions = list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))
    assert actions == ["accounts.two_factor.failed", "accounts.two_factor.enrolled"]


def test_an_enrolled_account_cannot_start_again():
    user = UserFactory.create()
    enrol(user)

    with pytest.raises(DomainError) as refused:
        twofactor.enrolment_start(user=user)

    assert refused.value.code == "already_enrolled"


def test_the_same_code_is_refused_the_second_time(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = UserFactory.create()
    secret, _codes = enrol(user)
    time_machine.shift(timedelta(seconds=30))  # the enrolment used this step's code
    code = current_code(secret)

    twofactor.second_factor_verify(user=user, code=code)
    with pytest.raises(DomainError) as replayed:
        twofactor.second_factor_verify(user=user, code=code)

    assert replayed.value.code == "invalid_code"


def test_a_code_older_than_the_last_accepted_one_is_refused(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = UserFactory.create()
    secret, _codes = enrol(user)
    time_machine.shift(timedelta(seconds=60))
    earlier = current_code(secret, offset=-1)
    twofactor.second_factor_verify(user=user, code=current_code(secret))

    with pytest.raises(DomainError):
        twofactor.second_factor_verify(user=user, code=earlier)


def test_a_recovery_code_works_once_and_is_audited():
    user = UserFactory.create()
    _secret, codes = enrol(user)

    twofactor.second_factor_verify(user=user, code=codes[3].upper())
    with pytest.raises(DomainError):
        twofactor.second_factor_verify(user=user, code=codes[3])

    assert twofactor.recovery_codes_left(user) == 9
    event = AuditEvent.objects.get(action="accounts.two_factor.recovery_code_used")
    assert event.data == {"left": 9}


def test_new_recovery_codes_replace_the_old_ones():
    user = UserFactory.create()
    _secret, old = enrol(user)

    new = twofactor.recovery_codes_renew(user=user)

    with pytest.raises(DomainError):
        twofactor.second_factor_verify(user=user, code=old[0])
    twofactor.second_factor_verify(user=user, code=new[0])


def test_wrong_codes_are_limited_and_each_failure_is_audited():
    user = UserFactory.create()
    secret, _codes = enrol(user)
    for _ in range(settings.TWO_FACTOR_MAX_FAILURES):
        with pytest.raises(DomainError):
            twofactor.second_factor_verify(user=user, code="12345")

    with pytest.raises(RateLimitedError):
        twofactor.second_factor_verify(user=user, code=current_code(secret))

    assert (
        AuditEvent.objects.filter(action="accounts.two_factor.failed").count()
        == settings.TWO_FACTOR_MAX_FAILURES
    )


def test_an_administrator_reset_removes_the_authenticator_and_the_tokens():
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    user = give_role(UserFactory.create(), Role.INSPECTOR)
    enrol(user)
    issued = api_token_issue(user=user)

    twofactor.two_factor_reset(actor=admin, user=user)

    assert not twofactor.is_enrolled(user) and not RecoveryCode.objects.filter(user=user).exists()
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    event = AuditEvent.objects.get(action="accounts.two_factor.reset")
    assert (event.actor_id, event.object_id) == (admin.pk, str(user.pk))


@pytest.mark.parametrize(
    ("role", "required"),
    [
        (Role.KANOON_ADMIN, True),
        (Role.PROVINCE_ADMIN, True),
        (Role.INSPECTOR, True),
        (Role.CLERK, False),
        (Role.OFFICE_MANAGER, False),
        (Role.MEDIATOR, False),
    ],
)
def test_two_factor_is_required_for_kanoon_province_and_inspector_roles(personas, role, required):
    holder = {
        Role.KANOON_ADMIN: personas.kanoon_admin,
        Role.PROVINCE_ADMIN: personas.province_admin_a,
        Role.INSPECTOR: personas.inspector,
        Role.CLERK: personas.clerk_a,
        Role.OFFICE_MANAGER: personas.manager_a,
        Role.MEDIATOR: personas.mediator_a,
    }[role]

    assert twofactor.is_required(holder) is required
    assert twofactor.may_enrol(holder)


def test_superusers_need_it_and_citizens_cannot_enrol():
    assert twofactor.is_required(UserFactory.create(is_superuser=True))
    citizen = CitizenFactory.create()
    assert not twofactor.is_required(citizen) and not twofactor.may_enrol(citizen)


def test_a_session_that_owes_nothing_is_remembered_without_queries():
    clerk = UserFactory.create()
    session: dict = {}
    assert twofactor.session_gate(session, clerk) == "ok"

    with CaptureQueriesContext(connection) as queries:
        assert twofactor.session_gate(session, clerk) == "ok"

    assert len(queries) == 0


def test_the_reset_command_for_when_no_administrator_can_use_the_admin():
    from io import StringIO

    from django.core.management import call_command

    operator = UserFactory.create(username="operator")
    user = give_role(UserFactory.create(username="kanoon.only"), Role.KANOON_ADMIN)
    enrol(user)
    out = StringIO()

    call_command("two_factor_reset", "kanoon.only", "--by", "operator", stdout=out)

    assert not twofactor.is_enrolled(user)
    assert AuditEvent.objects.get(action="accounts.two_factor.reset").actor_id == operator.pk
    assert "kanoon.only" in out.getvalue()


def test_a_stranger_with_the_password_who_used_up_the_codes_cannot_keep_the_owner_out():
    user = UserFactory.create()
    secret, codes = enrol(user)
    for _ in range(settings.TWO_FACTOR_MAX_FAILURES):
        with pytest.raises(DomainError):
            twofactor.second_factor_verify(user=user, code="000000")
    with translation.override("en"), pytest.raises(RateLimitedError) as refused:
        twofactor.second_factor_verify(user=user, code=current_code(secret))
    assert "recovery code" in str(refused.value)

    # The owner's recovery code still works, and lifts the refusal of six-digit codes.
    twofactor.second_factor_verify(user=user, code=codes[0])
    assert twofactor.recovery_codes_left(user) == 9


def test_wrong_recovery_codes_have_an_allowance_of_their_own():
    user = UserFactory.create()
    _secret, codes = enrol(user)
    for _ in range(twofactor.RECOVERY_MAX_FAILURES):
        with pytest.raises(DomainError):
            twofactor.second_factor_verify(user=user, code="aaaaa-bbbbb")

    with pytest.raises(RateLimitedError):
        twofactor.second_factor_verify(user=user, code=codes[0])
    assert twofactor.recovery_codes_left(user) == 10
    failures = AuditEvent.objects.filter(action="accounts.two_factor.failed")
    assert set(failures.values_list("data__step", flat=True)) == {"recovery"}
