"""Shared fixtures. The personas (after healthchecks' alice/bob/charlie) cover every role in two offices."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.offices.models import City, Office
from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory, give_role


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (row locks, concurrency) are deselected, not skipped, on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for every persona of every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Uploaded files of a test go to its own folder, never into var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _static_from_finders(settings):
    # Pages render {% static %}. Outside the embedded default the manifest storage needs a
    # collectstatic run first; tests read the files from the apps' folders instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Personas:
    office_a: Office
    office_b: Office
    citizen: User  # alice
    other_citizen: User  # bob
    clerk_a: User
    manager_a: User
    clerk_b: User
    mediator_a: User
    arbitrator_a: User
    consultant_a: User
    inspector: User
    province_admin_a: User
    kanoon_admin: User
    partner: User


@pytest.fixture
def personas(db) -> Personas:
    tehran = City.objects.get(code="THR-01")
    other = City.objects.exclude(province=tehran.province).filter(is_capital=True).order_by("code").first()
    office_a = OfficeFactory(city=tehran, code="A0001", name_fa="دفتر الف", name_en="Office A")
    office_b = OfficeFactory(city=other, code="B0001", name_fa="دفتر ب", name_en="Office B")
    return Personas(
        office_a=office_a,
        office_b=office_b,
        citizen=CitizenFactory(first_name="آلیس", last_name="احمدی"),
        other_citizen=CitizenFactory(first_name="باب", last_name="بهرامی"),
        clerk_a=give_role(UserFactory(username="clerk.a"), Role.CLERK, office=office_a),
        manager_a=give_role(UserFactory(username="manager.a"), Role.OFFICE_MANAGER, office=office_a),
        clerk_b=give_role(UserFactory(username="clerk.b"), Role.CLERK, office=office_b),
        mediator_a=give_role(UserFactory(username="mediator.a"), Role.MEDIATOR, office=office_a),
        arbitrator_a=give_role(UserFactory(username="arbitrator.a"), Role.ARBITRATOR, office=office_a),
        consultant_a=give_role(UserFactory(username="consultant.a"), Role.CONSULTANT, office=office_a),
        inspector=give_role(UserFactory(username="inspector"), Role.INSPECTOR),
        province_admin_a=give_role(
            UserFactory(username="province.a"), Role.PROVINCE_ADMIN, province=tehran.province
        ),
        kanoon_admin=give_role(UserFactory(username="kanoon"), Role.KANOON_ADMIN),
        partner=give_role(UserFactory(username="partner"), Role.PARTNER),
    )


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
