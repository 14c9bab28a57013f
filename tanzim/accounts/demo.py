"""Demo people: a persona for every role, staff in every office, citizens with valid codes."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tanzim.accounts.choices import OFFICE_ROLES, Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.common.identifiers import make_national_code
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import Office, Province

DEMO_PASSWORD = "tanzim-demo-1404"
DEMO_CITIZEN_CODE_SEED = "001234567"
DEMO_CITIZEN_MOBILE = "+989120000001"

FIRST = ["مریم", "علی", "زهرا", "محمد", "فاطمه", "حسین", "سارا", "رضا", "نرگس", "امیر", "لیلا", "مهدی"]
LAST = ["احمدی", "رضایی", "حسینی", "کریمی", "موسوی", "جعفری", "صادقی", "نوری", "رحیمی", "قاسمی", "کاظمی"]


@cache
def _demo_hash() -> str:
    # One slow PBKDF2 run shared by every demo account instead of one per account.
    return make_password(DEMO_PASSWORD)


def _user(
    username: str, *, first: str, last: str, mobile: str = "", staff: bool = False, **extra: object
) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "mobile": mobile, **extra}
    )
    if created:
        if staff:
            user.password = _demo_hash()
        else:
            user.set_unusable_password()
        user.save()
    return user


def _role(user: User, role: str, *, office: Office | None = None, province: Province | None = None) -> None:
    RoleAssignment.objects.get_or_create(
        user=user, role=role, office=office, province=province, defaults={"valid_from": timezone.now()}
    )


def _demo_national_code(n: int) -> str:
    return make_national_code(f"{(int(DEMO_CITIZEN_CODE_SEED) + n * 7919) % 10**9:09d}")


def seed_people(
    *, offices: list[Office], citizens: int = 60, progress: Callable[[], object] | None = None
) -> list[tuple[str, str, str]]:
    """Create the personas and staff; returns (role, login, secret) rows for the README's printout."""
    rng = random.Random(99)
    logins: list[tuple[str, str, str]] = []
    tehran = sorted(
        (o for o in offices if o.province.code == "THR" and o.status == OfficeStatus.ACTIVE),
        key=lambda o: o.code,
    )
    elsewhere = sorted(
        (o for o in offices if o.province.code != "THR" and o.status == OfficeStatus.ACTIVE),
        key=lambda o: o.code,
    )
    office_a, office_b = tehran[0], elsewhere[0]

    kanoon = _user("kanoon", first="مدیر", last="کانون", staff=True, is_staff=True, is_superuser=True)
    _role(kanoon, Role.KANOON_ADMIN)
    personas = [
        ("kanoon", Role.KANOON_ADMIN, None, None),
        ("province.thr", Role.PROVINCE_ADMIN, None, office_a.province),
        ("inspector", Role.INSPECTOR, None, None),
        ("partner", Role.PARTNER, None, None),
        ("clerk.a", Role.CLERK, office_a, None),
        ("manager.a", Role.OFFICE_MANAGER, office_a, None),
        ("mediator.a", Role.MEDIATOR, office_a, None),
        ("arbitrator.a", Role.ARBITRATOR, office_a, None),
        ("consultant.a", Role.CONSULTANT, office_a, None),
        ("clerk.b", Role.CLERK, office_b, None),
        ("manager.b", Role.OFFICE_MANAGER, office_b, None),
    ]
    for i, (username, role, office, province) in enumerate(personas):
        user = (
            kanoon
            if username == "kanoon"
            else _user(
                username,
                first=FIRST[i % len(FIRST)],
                last=LAST[i % len(LAST)],
                staff=True,
                mobile=f"+98912100{i:04d}",
            )
        )
        _role(user, role, office=office, province=province)
        where = office.code if office else (province.code if province else "—")
        logins.append((str(Role(role).label), username, f"{DEMO_PASSWORD}  ({where})"))

    # Every other office gets a manager and clerks; licensed offices get mediators and arbitrators.
    licence_roles = {
        LicenceKind.MEDIATION: Role.MEDIATOR,
        LicenceKind.ARBITRATION: Role.ARBITRATOR,
        LicenceKind.CONSULTATION: Role.CONSULTANT,
    }
    for office in offices:
        kinds = {lic.kind for lic in office.licences.all()}
        wanted = [Role.OFFICE_MANAGER, Role.CLERK, Role.CLERK] + [
            r for k, r in licence_roles.items() if k in kinds
        ]
        for n, role in enumerate(wanted):
            assert role in OFFICE_ROLES
            user = _user(
                f"{role}.{office.code.lower()}.{n}",
                first=rng.choice(FIRST),
                last=rng.choice(LAST),
                staff=True,
                mobile=f"+98913{office.pk:03d}{n:04d}"[:13],
            )
            _role(user, role, office=office)
        if progress:
            progress()

    demo = _user(
        _demo_national_code(0),
        first="مریم",
        last="احمدی",
        mobile=DEMO_CITIZEN_MOBILE,
        national_code=_demo_national_code(0),
    )
    _role(demo, Role.CITIZEN)
    logins.append((str(Role.CITIZEN.label), f"{demo.national_code} / 09120000001", "OTP (shown on the page)"))
    for n in range(1, citizens):
        code = _demo_national_code(n)
        if len(set(code)) == 1:
            continue
        citizen = _user(
            code,
            first=rng.choice(FIRST),
            last=rng.choice(LAST),
            national_code=code,
            mobile=f"+98935{n:07d}",
            resident_abroad=n % 25 == 0,
        )
        _role(citizen, Role.CITIZEN)
    return logins
