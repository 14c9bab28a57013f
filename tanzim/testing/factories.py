"""Test data builders (factory_boy). Valid national codes come from the real checksum."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import factory

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.common.identifiers import make_national_code
from tanzim.offices.choices import LicenceKind
from tanzim.offices.models import City, Counter, Licence, Office, WorkingHours
from tanzim.offices.services import DEFAULT_HOURS

# The roles the factories give hold since before any moment a test travels to, as the licences do
# (2024-01-01). Given from the real now, a role was not yet valid in a test that travels to a fixed
# earlier moment of the same day (tanzim/testing/disputes.py's NOW, 5 December 2026 09:00 Tehran):
# on that day, from 05:30 UTC, every such test was refused as "not office staff".
ROLES_SINCE = datetime(2024, 1, 1, tzinfo=UTC)

_serial = itertools.count(100_000_001)


def next_national_code() -> str:
    while True:
        first9 = f"{next(_serial) % 1_000_000_000:09d}"
        code = make_national_code(first9)
        if len(set(code)) > 1:
            return code


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "علی"
    last_name = "رضایی"
    mobile = factory.Sequence(lambda n: f"+98912{n % 10_000_000:07d}")
    password = factory.django.Password("correct-horse-battery")


class CitizenFactory(UserFactory):
    national_code = factory.LazyFunction(next_national_code)
    username = factory.SelfAttribute("national_code")  # type: ignore[assignment]  # another declaration kind

    @factory.post_generation
    def citizen_role(self, create, extracted, **kwargs):
        if create:
            RoleAssignment.objects.create(user=self, role=Role.CITIZEN, valid_from=ROLES_SINCE)


class OfficeFactory(factory.django.DjangoModelFactory[Office]):
    class Meta:
        model = Office
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name_fa = factory.Sequence(lambda n: f"دفتر خدمات آزمایشی {n}")
    name_en = factory.Sequence(lambda n: f"Test office {n}")
    city = factory.LazyFunction(lambda: City.objects.filter(is_capital=True).order_by("code").first())
    province = factory.SelfAttribute("city.province")
    address = "خیابان آزادی، پلاک ۱"
    latitude = factory.SelfAttribute("city.latitude")
    longitude = factory.SelfAttribute("city.longitude")
    phone = "+982166000000"

    @factory.post_generation
    def setup(self, create, extracted, **kwargs):
        if not create:
            return
        Counter.objects.bulk_create([Counter(office=self, number=n) for n in (1, 2, 3)])
        WorkingHours.objects.bulk_create(
            [
                WorkingHours(office=self, weekday=d, opens=f"{o:02d}:00", closes=f"{c:02d}:00")
                for d, o, c in DEFAULT_HOURS
            ]
        )
        for kind in extracted if extracted is not None else (LicenceKind.MEDIATION, LicenceKind.ARBITRATION):
            Licence.objects.create(office=self, kind=kind, valid_from=date(2024, 1, 1))


def give_role(user: User, role: str, *, office: Office | None = None, province=None) -> User:
    RoleAssignment.objects.create(
        user=user, role=role, office=office, province=province, valid_from=ROLES_SINCE
    )
    return user
