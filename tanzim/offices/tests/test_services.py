"""Opening offices and changing their status."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tanzim.audit.models import AuditEvent
from tanzim.audit.services import audit_verify
from tanzim.common.errors import ConflictError
from tanzim.offices.choices import LicenceKind, OfficeStatus
from tanzim.offices.models import City, Licence, Office, WorkingHours
from tanzim.offices.services import office_create, office_set_status
from tanzim.testing.factories import OfficeFactory, UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="kanoon.admin", password=None)


@pytest.fixture
def tehran(db) -> City:
    return City.objects.get(code="THR-01")


def _open(actor, city, **kwargs) -> Office:
    defaults = {
        "code": "THR9001",
        "name_fa": "دفتر خدمات الکترونیک قضایی آزادی",
        "name_en": "Azadi office",
        "address": "تهران، خیابان آزادی",
    }
    return office_create(actor=actor, city=city, **{**defaults, **kwargs})


def test_opening_an_office_creates_its_counters_hours_and_licences(admin_user, tehran):
    office = _open(
        admin_user,
        tehran,
        counters=4,
        licences=[LicenceKind.MEDIATION, LicenceKind.CONSULTATION],
        licence_from=date(2025, 3, 21),
    )

    assert office.province == tehran.province
    assert (office.latitude, office.longitude) == (tehran.latitude, tehran.longitude)
    assert list(office.counters.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert sorted(office.licences.values_list("kind", flat=True)) == ["consultation", "mediation"]
    assert set(office.licences.values_list("valid_from", flat=True)) == {date(2025, 3, 21)}
    hours = {h.weekday: (h.opens, h.closes) for h in office.hours.all()}
    assert 4 not in hours  # Friday closed
    assert hours[5] == (time(8), time(16))  # Saturday
    assert hours[3] == (time(8), time(12))  # Thursday, half day


def test_opening_an_office_is_audited(admin_user, tehran):
    office = _open(admin_user, tehran, licences=[LicenceKind.MEDIATION])

    event = AuditEvent.objects.get(action="offices.office.created")
    assert event.actor == admin_user
    assert event.office_id == office.pk
    assert event.object_id == str(office.pk)
    assert event.data == {"code": "THR9001", "licences": ["mediation"]}
    assert audit_verify().ok


def test_an_office_in_a_border_province_is_marked_deprived(admin_user):
    zahedan = City.objects.get(province__code="SBL", is_capital=True)

    office = _open(admin_user, zahedan, code="SBL9001")

    assert office.deprived_area is True
    assert _open(admin_user, City.objects.get(code="THR-01"), code="THR9002").deprived_area is False


def test_it_refuses_a_taken_office_code(admin_user, tehran):
    _open(admin_user, tehran)

    with pytest.raises(ConflictError) as info:
        _open(admin_user, tehran)

    assert info.value.code == "office_code_taken"
    assert Office.objects.filter(code="THR9001").count() == 1


def test_suspending_an_office_is_audited_with_the_reason(admin_user, tehran):
    office = OfficeFactory(city=tehran)

    office_set_status(actor=admin_user, office=office, status=OfficeStatus.SUSPENDED, reason="بازرسی")

    office.refresh_from_db()
    assert office.status == OfficeStatus.SUSPENDED
    event = AuditEvent.objects.get(action="offices.office.suspended")
    assert event.data == {"from": "active", "to": "suspended", "reason": "بازرسی"}
    assert event.actor == admin_user
    assert event.office_id == office.pk


def test_setting_the_same_status_again_changes_and_records_nothing(admin_user, tehran):
    office = OfficeFactory(city=tehran)

    office_set_status(actor=admin_user, office=office, status=OfficeStatus.ACTIVE, reason="")

    assert (
        not AuditEvent.objects.filter(action__startswith="offices.office.")
        .exclude(action="offices.office.created")
        .exists()
    )


def test_a_suspended_office_can_be_reopened(admin_user, tehran):
    office = OfficeFactory(city=tehran, status=OfficeStatus.SUSPENDED)

    office_set_status(actor=admin_user, office=office, status=OfficeStatus.ACTIVE, reason="رفع نقص")

    assert Office.objects.get(pk=office.pk).status == OfficeStatus.ACTIVE


def test_it_refuses_to_reopen_a_closed_office(admin_user, tehran):
    office = OfficeFactory(city=tehran)
    office_set_status(actor=admin_user, office=office, status=OfficeStatus.CLOSED, reason="لغو پروانه")

    with pytest.raises(ConflictError) as info:
        office_set_status(actor=admin_user, office=office, status=OfficeStatus.ACTIVE, reason="")

    assert info.value.code == "office_closed"
    assert Office.objects.get(pk=office.pk).status == OfficeStatus.CLOSED
    assert AuditEvent.objects.filter(action="offices.office.closed").count() == 1
    assert not AuditEvent.objects.filter(action="offices.office.active").exists()


def test_a_stale_status_change_is_a_conflict(admin_user, tehran):
    office = OfficeFactory(city=tehran)
    office_set_status(actor=admin_user, office=office, status=OfficeStatus.SUSPENDED, reason="بازرسی")

    with pytest.raises(ConflictError) as info:
        office_set_status(
            actor=admin_user,
            office=office,
            status=OfficeStatus.CLOSED,
            reason="",
            expected_status=OfficeStatus.ACTIVE,
        )

    assert info.value.code == "stale_status"
    assert Office.objects.get(pk=office.pk).status == OfficeStatus.SUSPENDED


def test_the_admin_moves_an_office_through_its_workflow_only(client, tehran):
    office = OfficeFactory(city=tehran)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:offices_office_changelist")

    client.post(url, {"action": "suspend", "_selected_action": [office.pk]})

    assert Office.objects.get(pk=office.pk).status == OfficeStatus.SUSPENDED
    assert AuditEvent.objects.filter(action="offices.office.suspended", office_id=office.pk).exists()
    page = client.get(reverse("admin:offices_office_change", args=[office.pk])).content.decode()
    assert 'name="status"' not in page


def test_the_database_refuses_a_licence_that_ends_before_it_starts(tehran):
    office = OfficeFactory(city=tehran, setup=[])

    with pytest.raises(IntegrityError), transaction.atomic():
        Licence.objects.create(
            office=office,
            kind=LicenceKind.MEDIATION,
            valid_from=date(2025, 3, 21),
            valid_until=date(2025, 3, 20),
        )


def test_a_licence_may_end_on_the_day_it_starts_or_never(tehran):
    office = OfficeFactory(city=tehran, setup=[])

    Licence.objects.create(
        office=office, kind=LicenceKind.MEDIATION, valid_from=date(2025, 3, 21), valid_until=date(2025, 3, 21)
    )
    lic = Licence.objects.create(office=office, kind=LicenceKind.ARBITRATION, valid_from=date(2025, 3, 21))

    assert lic.is_valid_on(date(2030, 1, 1))
    assert not lic.is_valid_on(date(2025, 3, 20))


def test_the_database_refuses_working_hours_that_close_before_they_open(tehran):
    office = OfficeFactory(city=tehran, setup=[])

    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingHours.objects.create(office=office, weekday=5, opens=time(16), closes=time(8))


def test_the_database_refuses_an_unknown_office_status(tehran):
    office = OfficeFactory(city=tehran)

    with pytest.raises(IntegrityError), transaction.atomic():
        Office.objects.filter(pk=office.pk).update(status="bankrupt")
