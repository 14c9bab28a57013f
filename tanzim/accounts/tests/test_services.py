"""Sign-up, one-time codes, staff sign-in and role assignment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import OtpChallenge, RoleAssignment, User
from tanzim.accounts.services import (
    citizen_signup,
    otp_request,
    otp_verify,
    role_assign,
    sign_in_wait,
    staff_sign_in,
)
from tanzim.audit.models import AuditEvent
from tanzim.common.errors import DomainError, RateLimitedError
from tanzim.common.normalize import to_persian_digits
from tanzim.notify.models import Message
from tanzim.offices.models import Province
from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory, next_national_code

pytestmark = pytest.mark.django_db

PERSIAN_LETTERS = re.compile(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MOBILE = "09121234567"
MOBILE_E164 = "+989121234567"


def signup(national_code: str, mobile: str = MOBILE, **extra) -> None:
    fields = {"first_name": "مریم", "last_name": "کریمی", **extra}
    citizen_signup(national_code=national_code, mobile=mobile, **fields)


def wrong(code: str) -> str:
    """A code of the same length that differs from ``code`` in every digit."""
    return "".join(str((int(d) + 1) % 10) for d in code)


def nothing_created(users_before: int) -> bool:
    return (
        User.objects.count() == users_before
        and not Message.objects.exists()
        and not OtpChallenge.objects.exists()
        and not AuditEvent.objects.exists()
    )


# --- citizen_signup ------------------------------------------------------------------------


def test_signup_creates_an_inactive_citizen_with_a_code_in_the_outbox():
    code = next_national_code()

    signup(code)

    user = User.objects.get(national_code=code)
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.mobile == MOBILE_E164
    assert list(user.roles.values_list("role", flat=True)) == [Role.CITIZEN]
    message = Message.objects.get()
    assert (message.template, message.to, message.recipient) == ("accounts.otp", MOBILE_E164, user)
    assert OtpChallenge.objects.filter(user=user, used_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="accounts.citizen.signed_up", object_id=str(user.pk)).exists()


def test_signup_stores_only_a_hash_of_the_code(sms_code):
    code = next_national_code()
    signup(code)
    user = User.objects.get(national_code=code)

    challenge = OtpChallenge.objects.get(user=user)

    assert sms_code(user) not in challenge.code_hash
    assert len(challenge.code_hash) == 64


def test_an_english_speaker_gets_the_code_in_english(sms_code):
    code = next_national_code()

    signup(code, preferred_language="en")

    user = User.objects.get(national_code=code)
    message = Message.objects.get(recipient=user)
    assert message.language == "en"
    assert message.body.startswith(f"Your Tanzim code is {sms_code(user)}.")
    assert not PERSIAN_LETTERS.search(message.body)


def test_a_persian_speaker_gets_the_code_in_persian(sms_code):
    code = next_national_code()

    signup(code, preferred_language="fa")

    user = User.objects.get(national_code=code)
    message = Message.objects.get(recipient=user)
    assert message.language == "fa"
    assert sms_code(user) in message.body
    assert PERSIAN_LETTERS.search(message.body), message.body
    assert "Your Tanzim code" not in message.body


@pytest.mark.parametrize(
    "to_script",
    [to_persian_digits, lambda text: text.translate(ARABIC_INDIC)],
    ids=["persian-digits", "arabic-digits"],
)
def test_signup_accepts_national_code_and_mobile_typed_in_other_digit_scripts(to_script):
    code = next_national_code()

    signup(to_script(code), to_script("0912 123 4567"), first_name="علي", last_name="كريمي")

    user = User.objects.get(national_code=code)
    assert (user.username, user.mobile) == (code, MOBILE_E164)
    assert (user.first_name, user.last_name) == ("علی", "کریمی")


@pytest.mark.parametrize(
    "national_code",
    ["1111111111", "0000000000", "0499370898", "12345", "04993708x9", "", "۱۱۱۱۱۱۱۱۱۱"],
    ids=["all-ones", "all-zeros", "bad-check-digit", "too-short", "letter", "empty", "persian-all-equal"],
)
def test_signup_refuses_an_invalid_national_code_and_creates_nothing(national_code):
    users_before = User.objects.count()

    with pytest.raises(ValidationError) as refused:
        signup(national_code)

    assert refused.value.code == "invalid_national_code"
    assert nothing_created(users_before)


@pytest.mark.parametrize(
    "mobile",
    ["02166554433", "0912123", "not a phone", "+98 21 6655 4433", ""],
    ids=["tehran-landline", "too-short", "letters", "international-landline", "empty"],
)
def test_signup_refuses_a_wrong_phone_and_creates_nothing(mobile):
    users_before = User.objects.count()

    with pytest.raises(ValidationError) as refused:
        signup(next_national_code(), mobile)

    assert refused.value.code == "invalid_phone"
    assert nothing_created(users_before)


def test_signup_refuses_missing_names_with_field_errors():
    users_before = User.objects.count()

    with pytest.raises(DomainError) as refused:
        signup(next_national_code(), first_name="  ", last_name="")

    assert set(refused.value.fields) == {"first_name", "last_name"}
    assert nothing_created(users_before)


def test_signup_with_a_taken_national_code_only_tells_the_owner():
    owner = CitizenFactory(mobile="+989351112233")
    users_before = User.objects.count()

    result = citizen_signup(
        national_code=owner.national_code, mobile=MOBILE, first_name="مهاجم", last_name="ناشناس"
    )

    assert result is None
    assert User.objects.count() == users_before
    owner.refresh_from_db()
    assert (owner.mobile, owner.first_name) == ("+989351112233", "علی")
    message = Message.objects.get()
    assert (message.template, message.to, message.recipient) == (
        "accounts.signup_exists",
        owner.mobile,
        owner,
    )
    assert not Message.objects.filter(to=MOBILE_E164).exists()
    assert not OtpChallenge.objects.exists()


def test_repeated_signups_with_a_taken_code_warn_the_owner_once_a_day():
    owner = CitizenFactory()

    for _ in range(3):
        signup(owner.national_code)

    assert Message.objects.filter(template="accounts.signup_exists").count() == 1


def test_an_unconfirmed_signup_can_be_redone_with_new_details(sms_code):
    code = next_national_code()
    signup(code, mobile="09120000000")
    first = User.objects.get(national_code=code)

    signup(code, mobile=MOBILE, first_name="زهرا", preferred_language="en")

    user = User.objects.get(national_code=code)
    assert user.pk == first.pk
    assert (user.mobile, user.first_name, user.preferred_language) == (MOBILE_E164, "زهرا", "en")
    assert Message.objects.filter(template="accounts.otp").latest("pk").to == MOBILE_E164
    assert otp_verify(national_code=code, code=sms_code(user)).is_active


# --- otp_verify ----------------------------------------------------------------------------


@pytest.fixture
def pending_citizen() -> User:
    """A citizen who signed up and has an SMS code waiting."""
    code = next_national_code()
    signup(code)
    return User.objects.get(national_code=code)


def test_the_right_code_activates_and_returns_the_citizen(pending_citizen, sms_code):
    user = otp_verify(national_code=pending_citizen.national_code, code=sms_code(pending_citizen))

    assert user.pk == pending_citizen.pk
    user.refresh_from_db()
    assert user.is_active
    assert user.last_login is not None
    assert AuditEvent.objects.filter(action="accounts.citizen.activated", object_id=str(user.pk)).exists()


def test_the_code_may_be_typed_in_persian_digits(pending_citizen, sms_code):
    typed = to_persian_digits(sms_code(pending_citizen))

    user = otp_verify(national_code=to_persian_digits(pending_citizen.national_code), code=typed)

    assert user.pk == pending_citizen.pk


def test_a_wrong_code_is_refused(pending_citizen, sms_code):
    with pytest.raises(DomainError) as refused:
        otp_verify(national_code=pending_citizen.national_code, code=wrong(sms_code(pending_citizen)))

    assert refused.value.code == "invalid_code"
    pending_citizen.refresh_from_db()
    assert not pending_citizen.is_active


def test_a_code_works_only_once(pending_citizen, sms_code):
    code = sms_code(pending_citizen)
    otp_verify(national_code=pending_citizen.national_code, code=code)

    with pytest.raises(DomainError) as refused:
        otp_verify(national_code=pending_citizen.national_code, code=code)

    assert refused.value.code == "invalid_code"


def test_an_expired_code_is_refused(pending_citizen, sms_code, time_machine):
    code = sms_code(pending_citizen)
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.OTP_TTL_SECONDS + 1))

    with pytest.raises(DomainError) as refused:
        otp_verify(national_code=pending_citizen.national_code, code=code)

    assert refused.value.code == "invalid_code"
    pending_citizen.refresh_from_db()
    assert not pending_citizen.is_active


def test_a_code_still_works_just_before_it_expires(pending_citizen, sms_code, time_machine):
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.OTP_TTL_SECONDS - 5), tick=False)

    user = otp_verify(national_code=pending_citizen.national_code, code=sms_code(pending_citizen))

    assert user.pk == pending_citizen.pk


def test_after_too_many_wrong_tries_even_the_right_code_is_refused(pending_citizen, sms_code):
    code = sms_code(pending_citizen)
    for _ in range(settings.OTP_MAX_ATTEMPTS):
        with pytest.raises(DomainError):
            otp_verify(national_code=pending_citizen.national_code, code=wrong(code))

    with pytest.raises(DomainError) as refused:
        otp_verify(national_code=pending_citizen.national_code, code=code)

    assert refused.value.code == "invalid_code"
    pending_citizen.refresh_from_db()
    assert not pending_citizen.is_active


def test_a_new_code_makes_the_old_one_useless(fixed_codes):
    fixed_codes.extend(["111111", "222222"])
    code = next_national_code()
    signup(code)

    otp_request(national_code=code, mobile=MOBILE)

    with pytest.raises(DomainError):
        otp_verify(national_code=code, code="111111")
    assert otp_verify(national_code=code, code="222222").national_code == code


def test_a_code_for_one_citizen_does_not_sign_in_another(pending_citizen, sms_code):
    other = CitizenFactory()

    with pytest.raises(DomainError):
        otp_verify(national_code=other.national_code, code=sms_code(pending_citizen))


# --- otp_request ---------------------------------------------------------------------------


def test_a_known_citizen_gets_a_sign_in_code(sms_code):
    citizen = CitizenFactory(mobile=MOBILE_E164)

    assert otp_request(national_code=citizen.national_code, mobile=MOBILE) is None

    assert Message.objects.get().template == "accounts.otp"
    assert OtpChallenge.objects.get(user=citizen).purpose == "login"
    assert otp_verify(national_code=citizen.national_code, code=sms_code(citizen)).pk == citizen.pk


def test_an_unknown_national_code_gets_the_same_answer_and_no_sms():
    assert otp_request(national_code=next_national_code(), mobile=MOBILE) is None

    assert not Message.objects.exists()
    assert not OtpChallenge.objects.exists()


def test_a_known_national_code_with_another_mobile_gets_no_sms():
    citizen = CitizenFactory(mobile="+989351112233")

    assert otp_request(national_code=citizen.national_code, mobile=MOBILE) is None

    assert not Message.objects.exists()


@pytest.mark.parametrize("known", [True, False], ids=["known-code", "unknown-code"])
def test_too_many_code_requests_in_an_hour_are_refused(known):
    national_code = CitizenFactory(mobile=MOBILE_E164).national_code if known else next_national_code()
    for _ in range(settings.OTP_REQUESTS_PER_HOUR):
        otp_request(national_code=national_code, mobile=MOBILE)

    with pytest.raises(RateLimitedError) as refused:
        otp_request(national_code=national_code, mobile=MOBILE)

    assert refused.value.status == 429
    assert Message.objects.count() == (settings.OTP_REQUESTS_PER_HOUR if known else 0)


def test_the_code_request_limit_is_per_national_code():
    busy = next_national_code()
    for _ in range(settings.OTP_REQUESTS_PER_HOUR):
        otp_request(national_code=busy, mobile=MOBILE)

    assert otp_request(national_code=next_national_code(), mobile=MOBILE) is None


def test_the_code_request_limit_lifts_after_an_hour(time_machine):
    national_code = next_national_code()
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(settings.OTP_REQUESTS_PER_HOUR):
        otp_request(national_code=national_code, mobile=MOBILE)

    time_machine.shift(timedelta(hours=1, seconds=1))

    assert otp_request(national_code=national_code, mobile=MOBILE) is None


# --- staff_sign_in (the password step; limits and the second factor: test_sign_in_limits.py) ---

PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff() -> User:
    return UserFactory.create(username="officer.rahimi", mobile="+989121110000")


def staff_authenticate(*, username: str, password: str) -> User:
    result = staff_sign_in(username=username, password=password)
    assert result.second_factor == "none"
    return result.user


def failure_codes(username: str, attempts: int) -> list[str]:
    codes = []
    for _ in range(attempts):
        with pytest.raises(DomainError) as refused:
            staff_authenticate(username=username, password="wrong password")
        codes.append(refused.value.code)
    return codes


def test_staff_sign_in_with_the_right_password(staff):
    assert staff_authenticate(username="officer.rahimi", password=PASSWORD).pk == staff.pk


def test_staff_sign_in_ignores_case_and_stray_spaces_in_the_username(staff):
    assert staff_authenticate(username="  Officer.Rahimi ", password=PASSWORD).pk == staff.pk


def test_staff_sign_in_refuses_a_wrong_password(staff):
    with pytest.raises(DomainError) as refused:
        staff_authenticate(username="officer.rahimi", password="not-the-password")

    assert type(refused.value) is DomainError
    assert refused.value.code == "bad_credentials"


def test_an_inactive_staff_member_cannot_sign_in(staff):
    staff.is_active = False
    staff.save()

    with pytest.raises(DomainError) as refused:
        staff_authenticate(username="officer.rahimi", password=PASSWORD)

    assert refused.value.code == "bad_credentials"


def test_after_the_free_failures_even_the_right_password_alone_must_wait(staff, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    codes = failure_codes("officer.rahimi", settings.LOGIN_MAX_FAILURES)

    with pytest.raises(RateLimitedError) as refused:
        staff_authenticate(username="officer.rahimi", password=PASSWORD)

    assert codes == ["bad_credentials"] * settings.LOGIN_MAX_FAILURES
    assert refused.value.status == 429
    assert refused.value.code == "sign_in_delayed"
    assert refused.value.retry_after == 1


def test_each_further_failure_doubles_the_wait_up_to_the_cap(staff, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    waits = []
    for _ in range(settings.LOGIN_MAX_FAILURES + 12):
        with pytest.raises(DomainError):
            staff_authenticate(username="officer.rahimi", password="wrong password")
        waits.append(sign_in_wait("officer.rahimi"))
        time_machine.shift(timedelta(seconds=waits[-1]))

    assert waits[: settings.LOGIN_MAX_FAILURES - 1] == [0] * (settings.LOGIN_MAX_FAILURES - 1)
    assert waits[settings.LOGIN_MAX_FAILURES - 1 : settings.LOGIN_MAX_FAILURES + 5] == [1, 2, 4, 8, 16, 32]
    assert waits[-1] == settings.LOGIN_LOCKOUT_SECONDS


def test_an_unknown_username_is_slowed_down_the_same_way(staff):
    known = failure_codes("officer.rahimi", settings.LOGIN_MAX_FAILURES)
    unknown = failure_codes("nobody.here", settings.LOGIN_MAX_FAILURES)

    with pytest.raises(RateLimitedError):
        staff_authenticate(username="nobody.here", password=PASSWORD)

    assert unknown == known
    assert sign_in_wait("nobody.here") == sign_in_wait("officer.rahimi")


def test_the_slowed_down_staff_member_is_told_by_sms_once(staff, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    failure_codes("officer.rahimi", settings.LOGIN_MAX_FAILURES)
    for _ in range(3):  # further tries, each after its wait
        time_machine.shift(timedelta(seconds=sign_in_wait("officer.rahimi")))
        failure_codes("officer.rahimi", 1)

    message = Message.objects.get()
    assert (message.template, message.to, message.recipient) == ("accounts.slowed", staff.mobile, staff)


def test_slowing_down_an_unknown_username_sends_nothing(staff):
    failure_codes("nobody.here", settings.LOGIN_MAX_FAILURES)

    assert not Message.objects.exists()


def test_the_wait_ends_after_its_time(staff, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    failure_codes("officer.rahimi", settings.LOGIN_MAX_FAILURES)

    time_machine.shift(timedelta(seconds=1))

    assert staff_authenticate(username="officer.rahimi", password=PASSWORD).pk == staff.pk


def test_a_successful_sign_in_forgets_earlier_failures(staff):
    failure_codes("officer.rahimi", settings.LOGIN_MAX_FAILURES - 1)
    staff_authenticate(username="officer.rahimi", password=PASSWORD)

    codes = failure_codes("officer.rahimi", settings.LOGIN_MAX_FAILURES - 1)

    assert set(codes) == {"bad_credentials"}
    assert sign_in_wait("officer.rahimi") == 0


# --- role_assign ---------------------------------------------------------------------------


@pytest.fixture
def admin() -> User:
    return UserFactory.create(username="kanoon.admin")


@pytest.fixture
def office():
    return OfficeFactory()


@pytest.mark.parametrize("role", [Role.CLERK, Role.OFFICE_MANAGER, Role.MEDIATOR, Role.ARBITRATOR])
def test_office_roles_need_an_office(admin, role):
    with pytest.raises(DomainError) as refused:
        role_assign(actor=admin, user=UserFactory(), role=role)

    assert refused.value.code == "scope_required"
    assert not RoleAssignment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_province_admin_needs_a_province(admin):
    with pytest.raises(DomainError) as refused:
        role_assign(actor=admin, user=UserFactory(), role=Role.PROVINCE_ADMIN)

    assert refused.value.code == "scope_required"
    assert not RoleAssignment.objects.exists()


def test_a_kanoon_admin_cannot_be_scoped_to_an_office(admin, office):
    with pytest.raises(DomainError) as refused:
        role_assign(actor=admin, user=UserFactory(), role=Role.KANOON_ADMIN, office=office)

    assert refused.value.code == "scope_invalid"
    assert not RoleAssignment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_clerk_cannot_be_scoped_to_a_province(admin, office):
    with pytest.raises(DomainError) as refused:
        role_assign(actor=admin, user=UserFactory(), role=Role.CLERK, office=office, province=office.province)

    assert refused.value.code == "scope_invalid"


def test_assigning_an_office_role_is_audited_in_the_office_stream(admin, office):
    clerk = UserFactory()

    assignment = role_assign(actor=admin, user=clerk, role=Role.CLERK, office=office)

    assert (assignment.user, assignment.role, assignment.office) == (clerk, Role.CLERK, office)
    event = AuditEvent.objects.get(action="accounts.role.assigned")
    assert (event.actor, event.office_id, event.stream.key) == (admin, office.pk, f"office:{office.pk}")
    assert event.data == {"user": clerk.pk, "role": "clerk", "province": None}


def test_assigning_a_province_admin_is_audited_in_the_national_stream(admin):
    tehran = Province.objects.get(code="THR")

    role_assign(actor=admin, user=UserFactory(), role=Role.PROVINCE_ADMIN, province=tehran)

    event = AuditEvent.objects.get(action="accounts.role.assigned")
    assert (event.stream.key, event.data["province"]) == ("national", tehran.pk)


@pytest.mark.parametrize("with_province", [False, True], ids=["nationwide", "one-province"])
def test_an_inspector_may_be_nationwide_or_for_one_province(admin, with_province):
    province = Province.objects.get(code="THR") if with_province else None

    assignment = role_assign(actor=admin, user=UserFactory(), role=Role.INSPECTOR, province=province)

    assert assignment.province == province
    assert AuditEvent.objects.filter(action="accounts.role.assigned").count() == 1


def test_a_role_assigned_in_a_rolled_back_transaction_leaves_no_trace(admin, office):
    with pytest.raises(RuntimeError), transaction.atomic():
        role_assign(actor=admin, user=UserFactory(), role=Role.CLERK, office=office)
        raise RuntimeError("the surrounding change failed")

    assert not RoleAssignment.objects.exists()
    assert not AuditEvent.objects.exists()
