"""Shared fixtures. The personas (after healthchecks' alice/bob/charlie) cover every role in two offices."""

from __future__ import annotations

from dataclasses import dataclass

import hypothesis
import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from tanzim.accounts.choices import Role
from tanzim.accounts.models import User
from tanzim.offices.models import City, Office
from tanzim.testing.browser import browser, chromium, new_page  # noqa: F401  (the browser tests' fixtures)
from tanzim.testing.factories import CitizenFactory, OfficeFactory, UserFactory, give_role
from tanzim.testing.reference import flushes_database, reference_data_restore, reference_data_snapshot
from tanzim.testing.settings import FAST_PASSWORD_HASHERS, WHITENOISE_AUTOREFRESH, static_from_finders

# Properties are about results, not speed: on a shared machine, measuring coverage, an example
# may take longer than Hypothesis's default 200 ms deadline, whatever the order of the tests.
hypothesis.settings.register_profile("tanzim", deadline=None)
hypothesis.settings.load_profile("tanzim")

# Set once the test database of this process exists: the blocker that lets the hooks reach it.
_database: list = []


# The fixtures through which a test reaches the database (pytest-django blocks it to any other).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def pytest_addoption(parser):
    parser.addoption(
        "--database-only",
        action="store_true",
        help="run only the tests that use the database, browser tests left out (make test's SQLite "
        "pass: the PostgreSQL pass runs every test)",
    )


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config, items):
    """Deselected, not skipped: PostgreSQL-only tests (row locks, concurrency) on SQLite, and with
    ``--database-only`` the browser tests and the tests that never reach the database.

    A test without the database cannot tell the two passes' databases apart, and the browser tests
    drive the same pages the page tests of both passes render: the PostgreSQL pass (the system of
    record, production's defaults) runs them, and the SQLite pass spends its time on what the
    database can change.
    """
    from django.conf import settings

    on_sqlite = not settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    database_only = config.getoption("--database-only")
    keep, drop = [], []
    for item in items:
        left_out = (on_sqlite and item.get_closest_marker("postgres")) or (
            database_only and (item.get_closest_marker("browser") or not _uses_database(item))
        )
        (drop if left_out else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and a copy of it as the migrations left it."""
    with django_db_blocker.unblock():
        reference_data_snapshot()
    _database.append(django_db_blocker)
    yield
    _database.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that flushed the database, the reference data is back before the next one runs."""
    try:
        return (yield)
    finally:
        if nextitem is not None and _database and flushes_database(item):
            with _database[0].unblock():
                reference_data_restore()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Uploaded files of a test go to its own folder, never into var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _static_from_finders(settings):
    settings.STORAGES = static_from_finders(settings.STORAGES)
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = WHITENOISE_AUTOREFRESH


@pytest.fixture(autouse=True)
def _default_language():
    # A page request leaves the language it chose active in the thread (LocaleMiddleware only
    # activates); every test starts in the default language, whatever ran before it.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """A session made by ``force_login`` (page tests, the browser harness) counts as having taken
    the second sign-in step, as a real sign-in does; the step itself is tested through the sign-in
    pages (tanzim/accounts/tests/test_two_factor*.py, tanzim/web/tests/test_signin.py)."""
    from django.test.client import ClientMixin

    from tanzim.accounts.twofactor import mark_session

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        mark_session(session, user)
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


def _clear_caches() -> None:
    for alias in ("default", "local"):  # the shared cache and each process's own
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    _clear_caches()
    yield
    _clear_caches()


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
    office_a = OfficeFactory.create(city=tehran, code="A0001", name_fa="دفتر الف", name_en="Office A")
    office_b = OfficeFactory.create(city=other, code="B0001", name_fa="دفتر ب", name_en="Office B")
    return Personas(
        office_a=office_a,
        office_b=office_b,
        citizen=CitizenFactory.create(first_name="آلیس", last_name="احمدی"),
        other_citizen=CitizenFactory.create(first_name="باب", last_name="بهرامی"),
        clerk_a=give_role(UserFactory.create(username="clerk.a"), Role.CLERK, office=office_a),
        manager_a=give_role(UserFactory.create(username="manager.a"), Role.OFFICE_MANAGER, office=office_a),
        clerk_b=give_role(UserFactory.create(username="clerk.b"), Role.CLERK, office=office_b),
        mediator_a=give_role(UserFactory.create(username="mediator.a"), Role.MEDIATOR, office=office_a),
        arbitrator_a=give_role(UserFactory.create(username="arbitrator.a"), Role.ARBITRATOR, office=office_a),
        consultant_a=give_role(UserFactory.create(username="consultant.a"), Role.CONSULTANT, office=office_a),
        inspector=give_role(UserFactory.create(username="inspector"), Role.INSPECTOR),
        province_admin_a=give_role(
            UserFactory.create(username="province.a"), Role.PROVINCE_ADMIN, province=tehran.province
        ),
        kanoon_admin=give_role(UserFactory.create(username="kanoon"), Role.KANOON_ADMIN),
        partner=give_role(UserFactory.create(username="partner"), Role.PARTNER),
    )


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
