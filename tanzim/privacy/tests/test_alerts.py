"""Alerts when an account reads far more confidential records than its own daily pattern."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from tanzim.audit.models import AuditEvent, ConfidentialRead
from tanzim.audit.services import audit_verify
from tanzim.cases import selectors as case_selectors
from tanzim.cases import services as case_services
from tanzim.catalog.models import Service
from tanzim.common.jalali import TEHRAN
from tanzim.notify.models import Message
from tanzim.privacy.models import ReadAlert
from tanzim.privacy.services import baseline_for, read_alerts_scan
from tanzim.privacy.tasks import scan_confidential_reads
from tanzim.testing.cases import make_draft
from tanzim.testing.files import png_bytes, upload

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 11, 0, tzinfo=TEHRAN)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def documents(settings, personas, clock):
    """A submitted request at office A with 30 documents the clerk of office A may open."""
    settings.CASES_MAX_DOCUMENTS = 40
    case = make_draft(personas, Service.objects.get(code="civil_petition"))
    docs = [
        case_services.document_add(
            case=case, actor=personas.citizen, upload=upload(f"d{n}.png", png_bytes((n, 30, 30)), "image/png")
        )
        for n in range(30)
    ]
    case_services.case_confirm_originals(case=case, actor=personas.citizen)
    case_services.case_submit(case=case, actor=personas.citizen)
    return docs


def read(user, docs):
    for document in docs:
        case_selectors.document_open_for(user=user, document_id=document.pk)


def history(user, per_day: int, days: int = 30) -> None:
    """``per_day`` distinct records read on each of the ``days`` days before today."""
    for back in range(1, days + 1):
        rows = ConfidentialRead.objects.bulk_create(
            ConfidentialRead(actor=user, object_type="cases.document", object_id=f"old-{back}-{n}")
            for n in range(per_day)
        )
        ConfidentialRead.objects.filter(pk__in=[r.pk for r in rows]).update(
            created_at=NOW - timedelta(days=back, hours=1)
        )


def test_a_clerk_reading_many_files_raises_one_alert_with_its_audit_event_and_messages(
    settings, personas, documents
):
    settings.PRIVACY_ALERT_EMAILS = ["security@kanoon.example.ir"]
    personas.kanoon_admin.email = "kanoon.admin@kanoon.example.ir"
    personas.kanoon_admin.save(update_fields=["email"])
    history(personas.clerk_a, per_day=3)
    read(personas.clerk_a, documents[:20])
    assert read_alerts_scan() == []  # 20 records: not more than max(20, 5 × 3)

    read(personas.clerk_a, documents[20:25])
    [alert] = read_alerts_scan()
    assert (alert.account, alert.day, alert.reads, alert.threshold) == (personas.clerk_a, NOW.date(), 25, 20)
    assert str(alert.median) == "3.0"

    event = AuditEvent.objects.get(action="privacy.read_alert")
    assert event.data == {
        "account": personas.clerk_a.pk,
        "day": "2026-12-05",
        "reads": 25,
        "median": "3.0",
        "threshold": 20,
    }
    messages = Message.objects.filter(template="privacy.read_alert")
    assert sorted(messages.values_list("channel", "to")) == [
        ("email", "kanoon.admin@kanoon.example.ir"),
        ("email", "security@kanoon.example.ir"),
    ]
    body = messages.first().body
    assert f"#{personas.clerk_a.pk}" in body and "/admin/audit/confidentialread/" in body
    assert audit_verify().ok


def test_once_per_account_per_day_however_often_the_scan_runs(personas, documents, clock):
    read(personas.clerk_a, documents[:25])
    assert len(read_alerts_scan()) == 1
    read(personas.clerk_a, documents[25:])
    assert read_alerts_scan() == []
    assert scan_confidential_reads() == 0
    assert ReadAlert.objects.count() == 1
    assert AuditEvent.objects.filter(action="privacy.read_alert").count() == 1

    clock.move_to(NOW + timedelta(days=1))
    read(personas.clerk_a, documents[:25])
    [second] = read_alerts_scan()
    assert second.day == NOW.date() + timedelta(days=1)
    assert ReadAlert.objects.filter(account=personas.clerk_a).count() == 2


def test_reopening_the_same_file_counts_once(personas, documents):
    for _ in range(40):
        read(personas.clerk_a, documents[:1])
    assert ConfidentialRead.objects.filter(actor=personas.clerk_a).count() == 40
    assert read_alerts_scan() == []


def test_a_busy_account_is_measured_against_its_own_pattern(personas, documents):
    history(personas.clerk_a, per_day=5)  # usually 5 a day: alert above 25
    read(personas.clerk_a, documents[:25])
    assert read_alerts_scan() == []
    read(personas.clerk_a, documents[25:26])
    [alert] = read_alerts_scan()
    assert (alert.reads, alert.threshold) == (26, 25)


def test_the_median_ignores_a_few_heavy_days_and_counts_days_without_reads(personas, clock):
    history(personas.manager_a, per_day=2, days=20)  # 20 days of 2, 10 days of none
    assert baseline_for(account_id=personas.manager_a.pk, day=NOW.date()).median == 2
    history(personas.clerk_a, per_day=0)
    assert baseline_for(account_id=personas.clerk_a.pk, day=NOW.date()).threshold == 20


def test_reads_before_midnight_in_tehran_belong_to_yesterday(personas, documents, clock):
    clock.move_to(datetime(2026, 12, 5, 23, 50, tzinfo=TEHRAN))
    read(personas.clerk_a, documents[:25])
    clock.move_to(datetime(2026, 12, 6, 0, 10, tzinfo=TEHRAN))
    assert read_alerts_scan() == []  # today (6 December) has no reads yet


def test_the_command_and_the_admin_list_show_the_alert(personas, documents, admin_client, capsys):
    read(personas.clerk_a, documents[:25])
    call_command("scan_confidential_reads")
    assert "1 new alert(s)" in capsys.readouterr().out
    page = admin_client.get("/admin/privacy/readalert/")
    assert page.status_code == 200
    assert personas.clerk_a.username in page.content.decode()
    reads = admin_client.get(f"/admin/audit/confidentialread/?actor__id__exact={personas.clerk_a.pk}")
    assert reads.status_code == 200
