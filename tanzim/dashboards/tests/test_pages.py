"""The manager's home and the dashboards: the figures shown, who sees what, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.catalog.choices import ChannelKind
from tanzim.common.jalali import TEHRAN
from tanzim.dashboards import rollups
from tanzim.dashboards.tests import data
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.models import Dispute
from tanzim.scheduling.choices import AppointmentStatus, TicketKind, TicketStatus
from tanzim.scheduling.models import QueueTicket
from tanzim.testing.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def make_today(office, user) -> dict[str, int]:
    """Today's work at ``office``: what the manager's home must show."""
    now = timezone.now()
    today = timezone.localtime(now, TEHRAN).date()
    for number, status in enumerate(
        [
            TicketStatus.WAITING,
            TicketStatus.WAITING,
            TicketStatus.WAITING,
            TicketStatus.CALLED,
            TicketStatus.SERVED,
        ],
        start=1,
    ):
        QueueTicket.objects.create(
            office=office,
            day=today,
            number=number,
            kind=TicketKind.WALK_IN,
            status=status,
            sort_at=now,
            joined_at=now,
        )
    made = data.Made()
    for booking in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.CANCELLED):
        appointment = data.make_appointment(made, office=office, user=user, status=booking, start=0, lead=0)
        appointment.__class__.objects.filter(pk=appointment.pk).update(start=now + timedelta(minutes=5))
    end_of_day = timezone.localtime(now, TEHRAN).replace(hour=23, minute=59, second=0)
    soon = min(end_of_day, now + timedelta(minutes=30)) if end_of_day > now else None
    for due in [now - timedelta(days=1), now - timedelta(hours=2)] + ([soon] if soon else []):
        case = data.make_case(made, office=office, user=user, channel=ChannelKind.IN_PERSON,
                              status=CaseStatus.SUBMITTED, created=0)  # fmt: skip
        Case.objects.filter(pk=case.pk).update(due_at=due)
    for days in (2, 5, 10):
        dispute = data.make_dispute(made, office=office, user=user, status=DisputeStatus.MEDIATION, created=0,
                                    conclude_after=None, eligible=True)  # fmt: skip
        Dispute.objects.filter(pk=dispute.pk).update(due_at=now + timedelta(days=days))
    return {"waiting": 3, "at_counter": 1, "served": 1, "appointments": 2, "due_today": 1 if soon else 0,
            "overdue": 2, "disputes_this_week": 2}  # fmt: skip


def test_the_managers_home_shows_todays_figures(client, personas):
    expected = make_today(personas.office_a, personas.citizen)
    client.force_login(personas.manager_a)
    page = client.get(reverse("web:home"))
    assert page.status_code == 200
    today = page.context["dashboard"]["today"]
    for key, value in expected.items():
        assert today[key] == value, key
    html = page.content.decode()
    assert 'data-figure="waiting">۳<' in html
    assert 'data-figure="overdue">۲<' in html
    assert 'id="month-table"' in html
    assert "requests reach their deadline" in html or "درخواست" in html
    # Another office's manager sees none of it: their own office's figures.
    other = OfficeFactory()
    from tanzim.accounts.choices import Role
    from tanzim.testing.factories import UserFactory, give_role

    manager_b = give_role(UserFactory(), Role.OFFICE_MANAGER, office=other)
    client.force_login(manager_b)
    assert client.get(reverse("web:home")).context["dashboard"]["today"]["waiting"] == 0


def test_scoping_of_the_dashboards(client, personas):
    office_a, office_b = personas.office_a, personas.office_b
    province_a, province_b = office_a.province, office_b.province
    cases = [
        (personas.manager_a, reverse("dashboards:office", args=[office_a.code]), 200),
        (personas.manager_a, reverse("dashboards:office", args=[office_b.code]), 404),
        (personas.manager_a, reverse("dashboards:province", args=[province_a.code]), 404),
        (personas.province_admin_a, reverse("dashboards:province", args=[province_a.code]), 200),
        (personas.province_admin_a, reverse("dashboards:province", args=[province_b.code]), 404),
        (personas.province_admin_a, reverse("dashboards:office", args=[office_a.code]), 200),
        (personas.province_admin_a, reverse("dashboards:office", args=[office_b.code]), 404),
        (personas.kanoon_admin, reverse("dashboards:overview"), 200),
        (personas.kanoon_admin, reverse("dashboards:province", args=[province_b.code]), 200),
        (personas.kanoon_admin, reverse("dashboards:office", args=["NOPE"]), 404),
        (personas.citizen, reverse("dashboards:overview"), 404),
        (personas.mediator_a, reverse("dashboards:office", args=[office_a.code]), 404),
    ]
    for user, url, status in cases:
        client.force_login(user)
        assert client.get(url).status_code == status, (user.username, url)
    client.force_login(personas.province_admin_a)
    assert client.get(reverse("dashboards:overview")).url.endswith(f"/p/{province_a.code}/")
    client.force_login(personas.manager_a)
    assert client.get(reverse("dashboards:overview")).url.endswith(f"/o/{office_a.code}/")
    client.logout()
    assert client.get(reverse("dashboards:overview")).status_code == 302  # to the sign-in page


def _fill(personas, n: int) -> None:
    made = data.Made()
    for i in range(n):
        for office in (personas.office_a, personas.office_b):
            data.make_case(made, office=office, user=personas.citizen, channel=ChannelKind.REMOTE,
                           status=CaseStatus.CLOSED, created=i * 3600, resolve_after=86400)  # fmt: skip
            data.make_survey(made, office=office, day=i % 5, overall=1 + i % 5)


def test_the_national_dashboard_shows_the_figures_and_drills_down(client, personas):
    _fill(personas, 4)
    rollups.rebuild()
    client.force_login(personas.kanoon_admin)
    query = {"from": "۱۴۰۴/۱۲/۰۱", "to": "1404/12/29", "indicator": "remote_uptake"}
    page = client.get(reverse("dashboards:overview"), query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "۱۰۰٫۰٪" in html  # every request was remote
    breakdown = page.context["breakdown"]
    assert {row["label"] for row in breakdown} == {
        personas.office_a.province.name,
        personas.office_b.province.name,
    }
    province_url = next(r["url"] for r in breakdown if r["label"] == personas.office_a.province.name)
    page = client.get(province_url, query)
    assert page.status_code == 200
    assert [r["label"] for r in page.context["breakdown"]] == [
        f"{personas.office_a.name} ({personas.office_a.code})"
    ]
    page = client.get(page.context["breakdown"][0]["url"], query)
    assert page.status_code == 200 and page.context["office"] == personas.office_a


def test_bad_dates_are_said_and_this_month_is_shown(client, personas):
    client.force_login(personas.kanoon_admin)
    page = client.get(reverse("dashboards:overview"), {"from": "yesterday", "indicator": "nope"})
    assert page.status_code == 200
    assert page.context["period"].error
    assert page.context["chosen"].code == "in_person_share"


def test_the_dashboards_make_the_same_number_of_queries_whatever_the_data(client, personas):
    client.force_login(personas.kanoon_admin)
    url = reverse("dashboards:overview")
    counts = []
    for n in (1, 6):
        _fill(personas, n)
        rollups.rebuild()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"from": "1404/12/01", "to": "1404/12/29"}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _fill_services(personas, n: int):
    """Remote requests of one service and in-person requests of another, at both offices."""
    kinds = data.services(2)
    made = data.Made()
    for i in range(n):
        for office in (personas.office_a, personas.office_b):
            for kind, channel in ((kinds[0], ChannelKind.REMOTE), (kinds[1], ChannelKind.IN_PERSON)):
                data.make_case(made, office=office, user=personas.citizen, channel=channel, service=kind,
                               status=CaseStatus.CLOSED, created=i * 3600, resolve_after=86400)  # fmt: skip
            data.make_survey(made, office=office, day=i % 5, overall=1 + i % 5)
    return kinds


def test_the_service_filter_changes_the_figures_and_stays_in_the_links(client, personas):
    kinds = _fill_services(personas, 3)
    rollups.rebuild()
    client.force_login(personas.kanoon_admin)
    query = {"from": "1404/12/01", "to": "1404/12/29", "indicator": "remote_uptake"}
    page = client.get(reverse("dashboards:overview"), query)
    assert page.context["service"] is None
    assert page.context["table"][2]["now"] == "۵۰٫۰٪"  # remote_uptake, every service
    assert 'name="service"' in page.content.decode()
    shown = {}
    for kind in kinds:
        page = client.get(reverse("dashboards:overview"), {**query, "service": kind.code})
        assert page.status_code == 200 and page.context["service"] == kind
        assert kind.name in page.context["title_trend"] and kind.name in page.context["breakdown_title"]
        rows = {row["indicator"].code: row for row in page.context["table"]}
        shown[kind.code] = rows["remote_uptake"]["now"]
        # Not recorded by service: "—" and the note; recorded ones have no note.
        assert rows["satisfaction"]["now"] == "—" and rows["satisfaction"]["unavailable"]
        assert not rows["remote_uptake"]["unavailable"]
        html = page.content.decode()
        assert "به تفکیک خدمت ثبت نمی‌شود" in html
        assert f'<option value="{kind.code}" selected>' in html
        # The drill-down, presets and indicator links keep the service.
        assert f"&amp;service={kind.code}" in html
        assert all(row["url"] for row in page.context["breakdown"])
    assert shown == {kinds[0].code: "۱۰۰٫۰٪", kinds[1].code: "۰٫۰٪"}
    # The province's page, the service kept: its offices by that service only.
    province = personas.office_a.province
    page = client.get(
        reverse("dashboards:province", args=[province.code]), {**query, "service": kinds[1].code}
    )
    assert [row["text"] for row in page.context["breakdown"]] == ["۰٫۰٪"]
    assert f"&amp;service={kinds[1].code}" in page.content.decode()
    # A chosen indicator that is not recorded by service says so.
    page = client.get(reverse("dashboards:overview"), {**query, "indicator": "settlement_rate",
                                                       "service": kinds[0].code})  # fmt: skip
    assert page.context["chosen_unavailable"] and 'id="chosen-unavailable"' in page.content.decode()
    # An unknown service: every service, and it is said.
    page = client.get(reverse("dashboards:overview"), {**query, "service": "no-such-service"})
    assert page.status_code == 200 and page.context["service"] is None and page.context["service_error"]


def test_the_service_filter_keeps_the_number_of_queries_and_the_scope(client, personas):
    client.force_login(personas.kanoon_admin)
    url = reverse("dashboards:overview")
    counts = []
    for n in (1, 4):
        kinds = _fill_services(personas, n)
        rollups.rebuild()
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, {"from": "1404/12/01", "to": "1404/12/29", "service": kinds[0].code})
            assert page.status_code == 200 and page.context["service"] == kinds[0]
        counts.append(len(queries))
    assert counts[0] == counts[1]
    code = kinds[0].code
    cases = [
        (
            personas.province_admin_a,
            reverse("dashboards:province", args=[personas.office_a.province.code]),
            200,
        ),
        (
            personas.province_admin_a,
            reverse("dashboards:province", args=[personas.office_b.province.code]),
            404,
        ),
        (personas.manager_a, reverse("dashboards:office", args=[personas.office_a.code]), 200),
        (personas.manager_a, reverse("dashboards:office", args=[personas.office_b.code]), 404),
        (personas.citizen, reverse("dashboards:overview"), 404),
    ]
    for user, target, status in cases:
        client.force_login(user)
        assert client.get(target, {"service": code}).status_code == status, (user.username, target)
