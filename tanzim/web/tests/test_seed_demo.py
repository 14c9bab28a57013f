"""The seed_demo command: every role, every app's stages, idempotent.

Seeding takes long, so the demo is seeded once for the module and committed (its after-commit
work runs, as in ``make run``); each test runs in a transaction of its own on top of it, and
the database is put back as the migrations left it after the last test. The tests of what one
app's stage seeds are here too, on the same demo, rather than seeding it again in that app.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.common.jalali import TEHRAN, tehran_date
from tanzim.offices.models import Licence, Office, Province
from tanzim.testing.reference import reference_data_restore
from tanzim.testing.settings import settings_as_in_tests

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", offices=40, citizens=10, quiet=True)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    # Just after midnight in Tehran: sessions the demo moves "three hours back" must still fall
    # inside the mediation window that opened today (the demo failed when seeded at that hour).
    after_midnight = datetime.combine(tehran_date(timezone.now()), time(0, 30), tzinfo=TEHRAN)
    try:
        with (
            settings_as_in_tests(tmp_path_factory.mktemp("media")),
            django_db_blocker.unblock(),
            time_machine.travel(after_midnight, tick=True),
        ):
            seed()
        yield
    finally:
        # Also when seeding failed half-way: committed demo rows would break every later test.
        with django_db_blocker.unblock():
            reference_data_restore()


def test_seeding_creates_offices_in_every_province(seeded):
    from tanzim.membership.models import Application

    # The 40 asked for, and the one a new-office applicant of the demo opened (tanzim.membership).
    opened = Application.objects.filter(office__isnull=False).count()
    assert opened == 1
    assert Office.objects.count() == 40 + opened
    assert Office.objects.values("province").distinct().count() == Province.objects.count()


def test_seeding_creates_every_role(seeded):
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)


def test_seeding_creates_the_demo_personas(seeded):
    for username in ["kanoon", "province.thr", "inspector", "partner", "clerk.a", "manager.a", "clerk.b"]:
        assert User.objects.filter(username=username).exists(), username
    assert User.objects.get(username="clerk.a").roles.get().office.province.code == "THR"
    assert User.objects.get(username="kanoon").is_superuser


def test_seeding_creates_citizens_with_valid_national_codes(seeded):
    from tanzim.common.identifiers import clean_national_code

    citizens = User.objects.filter(roles__role=Role.CITIZEN)
    assert citizens.count() >= 9
    for citizen in citizens:
        assert clean_national_code(citizen.national_code) == citizen.national_code
        assert citizen.mobile.startswith("+98")


def test_seeded_offices_hold_licences(seeded):
    assert Licence.objects.filter(kind="mediation").exists()
    assert Licence.objects.values("office").distinct().count() > 0


def test_seeding_twice_creates_no_new_offices_or_users(seeded):
    counts = (
        Office.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        Licence.objects.count(),
    )

    seed()

    assert (
        Office.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        Licence.objects.count(),
    ) == counts


def test_the_demo_citizen_has_requests_in_every_stage_at_clerk_as_office(seeded):
    from tanzim.cases.models import Case

    office = User.objects.get(username="clerk.a").roles.get().office
    cases = Case.objects.filter(office=office, applicant__national_code="0012345679")
    statuses = set(cases.values_list("status", flat=True))
    assert {"draft", "submitted", "in_review", "needs_correction", "awaiting_payment", "filed"} <= statuses
    count = cases.count()
    seed()
    assert cases.count() == count  # seeding again adds nothing


def test_the_demo_fills_every_dispute_stage_once_and_its_figures_are_not_empty(seeded):
    from tanzim.disputes import metrics
    from tanzim.disputes.choices import DisputeStatus
    from tanzim.disputes.demo import seed_disputes
    from tanzim.disputes.models import Dispute

    seeded_disputes = Dispute.objects.count()
    assert seeded_disputes > 0 and Dispute.objects.values("office").distinct().count() > 1

    office = User.objects.get(username="clerk.a").roles.get().office
    assert set(Dispute.objects.filter(office=office).values_list("status", flat=True)) == set(
        DisputeStatus.values
    )
    assert Dispute.objects.filter(mediator__username="mediator.a").exists()

    offices = list(Office.objects.select_related("province").prefetch_related("licences"))
    assert seed_disputes(offices=offices) == 0
    assert Dispute.objects.count() == seeded_disputes

    kanoon = User.objects.get(username="kanoon")
    report = metrics.dispute_metrics(
        user=kanoon, start=timezone.now() - timedelta(days=400), end=timezone.now()
    )
    assert report.nation.settled > 0 and report.nation.concluded > report.nation.settled
    assert report.nation.failure_reasons and report.nation.median_days is not None
