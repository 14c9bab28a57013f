"""Importing the exam's admitted applicants: every bad row named, nothing half-imported."""

from __future__ import annotations

import pytest
from django.utils import translation

from tanzim.accounts.models import User
from tanzim.accounts.services import citizens_register_bulk
from tanzim.audit.models import AuditEvent
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.normalize import to_persian_digits
from tanzim.membership.choices import Step
from tanzim.membership.models import Application
from tanzim.membership.services import exam_import
from tanzim.notify.models import Message
from tanzim.testing.factories import CitizenFactory
from tanzim.testing.membership import HEADER, exam_csv, national_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The assertions read the messages in English (Persian is the default language)."""
    with translation.override("en"):
        yield


def _import(actor, content: bytes):
    return exam_import(actor=actor, content=content, file_name="exam.csv", exam_year=1404)


def test_it_imports_every_applicant_with_an_account_and_a_checklist(personas):
    batch = _import(personas.kanoon_admin, exam_csv(3))
    applications = list(Application.objects.filter(exam_import=batch))
    assert batch.rows == 3 and len(applications) == 3
    assert {a.status for a in applications} == {Step.DOCUMENTS}
    for application in applications:
        assert application.user.national_code == application.national_code
        assert application.user.is_active and application.step_due > application.status_changed_at
    assert Message.objects.filter(template="membership.admitted").count() == 3


def test_persian_digits_are_read_as_digits(personas):
    code = national_code()
    row = f"{to_persian_digits(code)},علي,كريمي,{to_persian_digits('09121234567')},THR,{to_persian_digits(7)}"
    _import(personas.kanoon_admin, f"{HEADER}\n{row}\n".encode())
    application = Application.objects.get(national_code=code)
    assert application.exam_rank == 7
    assert application.full_name == "علی کریمی"  # Arabic yeh and kaf normalised
    assert application.user.mobile == "+989121234567"


def test_duplicate_and_invalid_codes_are_named_by_row_and_nothing_is_imported(personas):
    code = national_code()
    body = "\n".join(
        [
            HEADER,
            f"{code},a,b,09121234567,THR,1",
            f"{code},c,d,09121234568,THR,2",
            "1234567890,e,f,09121234569,THR,3",
            f"{national_code()},g,h,12345,XXX,x",
        ]
    )
    with pytest.raises(DomainError) as exc:
        _import(personas.kanoon_admin, body.encode())
    errors = exc.value.fields["file"]
    assert any(e.startswith("Row 3:") and "also on row 2" in e for e in errors)
    assert any(e.startswith("Row 4:") and "1234567890" in e for e in errors)
    row5 = next(e for e in errors if e.startswith("Row 5:"))
    assert "mobile" in row5 and "province" in row5 and "rank" in row5
    assert not Application.objects.exists()
    assert not User.objects.filter(national_code=code).exists()


def test_a_code_imported_before_is_refused(personas):
    content = exam_csv(1)
    _import(personas.kanoon_admin, content)
    with pytest.raises(DomainError) as exc:
        _import(personas.kanoon_admin, content)
    assert "imported before" in exc.value.fields["file"][0]
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    "header, expected",
    [
        ("national_code,first_name,last_name,mobile,province", "Missing column(s): rank"),
        ("national_code,first_name,last_name,mobile,province,rank,email", "Unknown column(s): email"),
        ("code,first_name,last_name,mobile,province,rank", "Missing column(s): national_code"),
    ],
)
def test_a_wrong_column_is_refused(personas, header, expected):
    with pytest.raises(DomainError) as exc:
        _import(personas.kanoon_admin, exam_csv(2, header=header))
    assert any(expected in e for e in exc.value.fields["file"])
    assert not Application.objects.exists()


def test_a_file_that_is_not_utf8_or_empty_is_refused(personas):
    with pytest.raises(DomainError):
        _import(personas.kanoon_admin, "نام".encode("utf-16"))
    with pytest.raises(DomainError):
        _import(personas.kanoon_admin, b"")
    with pytest.raises(DomainError):
        _import(personas.kanoon_admin, (HEADER + "\n").encode())


@pytest.mark.parametrize("who", ["province_admin_a", "inspector", "manager_a", "citizen"])
def test_only_the_kanoon_imports(personas, who):
    with pytest.raises(PermissionDeniedError):
        _import(getattr(personas, who), exam_csv(1))
    assert not Application.objects.exists()


def test_the_import_takes_the_same_few_queries_for_three_rows_or_sixty(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _import(personas.kanoon_admin, exam_csv(2))  # the first import creates the audit streams
    counts = []
    for n in (3, 60):
        with CaptureQueriesContext(connection) as ctx:
            _import(personas.kanoon_admin, exam_csv(n))
        counts.append(len(ctx.captured_queries))
    # bulk: accounts, roles, checklists and SMS in a few inserts each (SQLite splits a large insert
    # into batches by its parameter limit), not a handful of queries per row as before
    assert counts[1] - counts[0] <= 6 and counts[1] < 40, counts
    assert Message.objects.filter(template="membership.admitted", status="pending").count() == 65
    assert AuditEvent.objects.filter(action="accounts.citizens.registered_in_bulk").count() == 3
    event = AuditEvent.objects.filter(action="accounts.citizens.registered_in_bulk").order_by("pk").last()
    assert event is not None and len(event.data["users"]) == 60


def test_a_person_with_an_account_keeps_it_and_gets_one_message(personas):
    existing = CitizenFactory.create()
    row = f"{existing.national_code},نام,خانواده,09121230000,THR,1"
    _import(personas.kanoon_admin, f"{HEADER}\n{row}\n".encode())
    application = Application.objects.get(national_code=existing.national_code)
    assert application.user == existing
    assert User.objects.filter(national_code=existing.national_code).count() == 1
    assert Message.objects.filter(template="membership.admitted", recipient=existing).count() == 1


def test_the_bulk_accounts_service_refuses_bad_people_and_creates_none(personas):
    good = {"national_code": national_code(), "mobile": "09121111111", "first_name": "a", "last_name": "b"}
    bad = {"national_code": "123", "mobile": "09121111112", "first_name": "a", "last_name": "b"}
    with pytest.raises(DomainError) as refused:
        citizens_register_bulk(actor=personas.kanoon_admin, people=[good, bad, dict(good)])
    assert len(refused.value.fields["people"]) == 2  # the invalid code and the twice-listed person
    assert not User.objects.filter(national_code=good["national_code"]).exists()
