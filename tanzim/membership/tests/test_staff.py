"""Staff of an office: a role granted only with a valid certificate, ending with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tanzim.accounts.permissions import can_act_for_office
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.jalali import format_jalali, tehran_date
from tanzim.membership.models import StaffCertificate
from tanzim.membership.services import staff_add
from tanzim.testing.membership import national_code

pytestmark = pytest.mark.django_db


def _add(personas, *, actor=None, role="mediator", valid_from=None, valid_until=None):
    today = tehran_date(timezone.now())
    return staff_add(
        actor=actor or personas.manager_a,
        office=personas.office_a,
        national_code=national_code(),
        mobile="09121112233",
        first_name="نیما",
        last_name="صدری",
        role=role,
        certificate_number="M-1404-7",
        valid_from=valid_from or today - timedelta(days=30),
        valid_until=valid_until or today + timedelta(days=60),
    )


def test_a_valid_certificate_grants_the_role_until_it_ends(personas):
    certificate = _add(personas)
    user = certificate.user
    assert can_act_for_office(user, personas.office_a, "mediator")
    assert certificate.assignment is not None
    with time_machine.travel(timezone.now() + timedelta(days=62)):
        assert not can_act_for_office(user, personas.office_a, "mediator")


def test_an_expired_or_future_certificate_grants_nothing(personas):
    today = tehran_date(timezone.now())
    with pytest.raises(DomainError):
        _add(personas, valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=1))
    with pytest.raises(DomainError):
        _add(personas, valid_from=today + timedelta(days=3), valid_until=today + timedelta(days=300))
    assert not StaffCertificate.objects.exists()


@pytest.mark.parametrize("who", ["clerk_a", "mediator_a", "province_admin_a", "citizen"])
def test_only_the_offices_manager_adds_staff(personas, who):
    with pytest.raises(PermissionDeniedError):
        _add(personas, actor=getattr(personas, who))


def test_a_role_outside_the_list_is_refused(personas):
    with pytest.raises(DomainError):
        _add(personas, role="office_manager")


def test_the_manager_adds_staff_by_the_page_with_jalali_dates(client, personas):
    client.force_login(personas.manager_a)
    today = tehran_date(timezone.now())
    response = client.post(
        reverse("membership:staff"),
        {
            "national_code": national_code(),
            "mobile": "۰۹۱۲۱۱۱۲۲۴۴",
            "first_name": "مینا",
            "last_name": "کریمی",
            "role": "clerk",
            "certificate_number": "C-9",
            "valid_from": format_jalali(today - timedelta(days=10)),
            "valid_until": format_jalali(today + timedelta(days=200)),
        },
    )
    assert response.status_code == 302
    assert StaffCertificate.objects.filter(role="clerk").count() == 1
    client.force_login(personas.clerk_a)
    assert client.get(reverse("membership:staff")).status_code == 404
