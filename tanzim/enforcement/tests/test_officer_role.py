"""The court officer is the accounts app's province-scoped COURT_OFFICER role: it decides, approves
and sees its own province's files; an officer of another province gets the same 404 as anyone."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment
from tanzim.common.errors import NotFoundError, PermissionDeniedError
from tanzim.common.jalali import tehran_date
from tanzim.enforcement import access, selectors, services
from tanzim.enforcement.choices import Performer, Step, TaskStatus
from tanzim.enforcement.models import CourtOfficer
from tanzim.testing.enforcement import pilot, request_file
from tanzim.testing.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(personas):
    here = give_role(UserFactory.create(), Role.COURT_OFFICER, province=personas.office_a.province)
    there = give_role(UserFactory.create(), Role.COURT_OFFICER, province=personas.office_b.province)
    assert not CourtOfficer.objects.exists()  # the role alone, no roster row
    return here, there


@pytest.fixture
def task(personas, officers):
    pilot(personas.office_a.province, approval=True)
    file = request_file(
        actor=personas.clerk_a,
        office=personas.office_a,
        creditors=[{"name": "آلیس احمدی", "user": personas.citizen, "claim": 10_000_000}],
        debtor={"name": "باب بهرامی", "user": personas.other_citizen, "national_code": "0012345679"},
    )
    with pytest.raises(
        PermissionDeniedError
    ):  # the writ is the court's: the other province's officer may not
        services.writ_issue(file=file, actor=officers[1], writ_number="W")
    services.writ_issue(file=file, actor=officers[0], writ_number="W")
    return services.service_record(file=file, actor=personas.clerk_a, served_on=tehran_date(timezone.now()))


def test_the_officer_of_the_province_approves_and_the_other_province_cannot(personas, officers, task):
    here, there = officers
    file = task.file
    assert task.status == TaskStatus.AWAITING_APPROVAL
    assert access.performer_for(here, file, Step.SERVICE) == (Performer.COURT, False)
    assert list(selectors.tasks_awaiting_for(actor=here)) == [task]
    assert list(selectors.tasks_awaiting_for(actor=there)) == []
    with pytest.raises(NotFoundError):
        selectors.file_get_for(actor=there, pk=file.pk)
    with pytest.raises(PermissionDeniedError):
        services.task_decide(task=task, actor=there, approve=True)
    services.task_decide(task=task, actor=here, approve=True)
    file.refresh_from_db()
    assert file.status == "served"


def test_pages_are_scoped_to_the_officer_province(client, personas, officers, task):
    here, there = officers
    file = task.file
    client.force_login(there)
    assert client.get(f"/enforcement/files/{file.pk}/").status_code == 404
    assert client.post(f"/enforcement/files/{file.pk}/act/task-decide/", {"item": task.pk}).status_code == 404
    assert file.number.encode() not in client.get("/enforcement/").content
    assert file.number.encode() not in client.get("/enforcement/approvals/").content
    client.force_login(here)
    assert client.get(f"/enforcement/files/{file.pk}/").status_code == 200
    assert file.number.encode() in client.get("/enforcement/").content
    assert file.number.encode() in client.get("/enforcement/approvals/").content
    assert client.get("/enforcement/metrics/").status_code == 200


def test_an_ended_role_is_no_longer_the_officer(personas, officers, task):
    here, _there = officers
    role = RoleAssignment.objects.get(user=here, role=Role.COURT_OFFICER)
    RoleAssignment.objects.filter(pk=role.pk).update(valid_until=role.valid_from + timedelta(seconds=1))
    with time_machine.travel(role.valid_from + timedelta(minutes=1)):
        with pytest.raises(NotFoundError):
            selectors.file_get_for(actor=here, pk=task.file_id)
        assert access.officer_province_ids(here) == set()


def test_the_migration_gives_the_roster_officers_the_role(personas):
    from importlib import import_module

    from django.apps import apps

    user = UserFactory.create()
    CourtOfficer.objects.create(user=user, province=personas.office_a.province)
    import_module("tanzim.enforcement.migrations.0005_court_officer_role").to_roles(apps, None)
    import_module("tanzim.enforcement.migrations.0005_court_officer_role").to_roles(apps, None)  # twice: once
    role = RoleAssignment.objects.get(user=user, role=Role.COURT_OFFICER)
    assert role.province == personas.office_a.province
    CourtOfficer.objects.filter(user=user).update(active=False)
    assert access.officer_province_ids(user) == {personas.office_a.province_id}
