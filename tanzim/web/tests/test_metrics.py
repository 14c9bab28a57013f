"""/metrics: the Prometheus text format, by route never by path, only for the monitoring system."""

from __future__ import annotations

import json
import math
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tanzim.catalog.fees import fee_quote
from tanzim.catalog.models import Service
from tanzim.common.errors import NotFoundError
from tanzim.finance import services as finance
from tanzim.finance.models import Payment
from tanzim.notify.models import Message
from tanzim.notify.tasks import deliver_pending
from tanzim.ranking.tasks import execute_run
from tanzim.testing.cases import make_draft

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
LINE = re.compile(rf"^({NAME})(\{{(?:{LABEL})(?:,{LABEL})*\}})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$")
PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
NOW = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def parse(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every line is a comment (# HELP / # TYPE) or `name{labels} value`; anything else fails."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    typed: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in {"counter", "gauge", "histogram"}, line
            assert name not in typed, f"{name} typed twice"
            typed.add(name)
            continue
        if line.startswith("# HELP "):
            continue
        match = LINE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        key = (name, frozenset(PAIR.findall(labels or "")))
        assert key not in samples, f"duplicate sample: {line}"
        samples[key] = float(value)
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or base in typed, f"{name} has no # TYPE before it"
    return samples


def scrape(client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(response.content.decode())


def value(samples, name: str, **labels: str) -> float:
    """The sample with these labels, whatever its ``pid`` (every worker labels its own series)."""
    wanted = frozenset(labels.items())
    found = [
        v
        for (n, ls), v in samples.items()
        if n == name and frozenset(x for x in ls if x[0] != "pid") == wanted
    ]
    assert len(found) <= 1
    return found[0] if found else 0.0


def test_the_exposition_parses_and_every_histogram_is_cumulative_up_to_its_count(client):
    client.get(reverse("web:health"))
    samples = scrape(client)
    buckets: dict[tuple[str, frozenset[tuple[str, str]]], list[tuple[float, float]]] = {}
    for (name, labels), v in samples.items():
        if name.endswith("_bucket"):
            le = dict(labels)["le"]
            rest = frozenset((k, x) for k, x in labels if k != "le")
            buckets.setdefault((name[: -len("_bucket")], rest), []).append((float(le), v))
    assert buckets
    for (base, labels), rows in buckets.items():
        rows.sort()
        counts = [v for _, v in rows]
        assert counts == sorted(counts), f"{base} buckets are not cumulative"
        assert rows[-1][0] == math.inf
        assert rows[-1][1] == samples[(f"{base}_count", labels)]


def test_a_request_is_counted_in_its_routes_histogram_by_pattern_name_not_path(client):
    before = scrape(client)
    client.get(reverse("web:health"))
    client.get(reverse("web:health"))
    after = scrape(client)
    labels = {"route": "web:health", "method": "GET"}
    name = "tanzim_http_request_duration_seconds_count"
    assert value(after, name, **labels) == value(before, name, **labels) + 2
    assert value(after, "tanzim_http_request_duration_seconds_bucket", le="+Inf", **labels) >= 2
    counted = "tanzim_http_responses_total"
    assert (
        value(after, counted, status_class="2xx", **labels)
        == value(before, counted, status_class="2xx", **labels) + 2
    )


def test_an_unknown_path_is_labelled_unmatched_and_its_text_never_appears(client):
    client.get("/no-such-page-4a7c19/1234567890/")
    response = client.get("/metrics", **AUTH)
    text = response.content.decode()
    assert f'pid="{os.getpid()}"' in text
    assert "4a7c19" not in text and "1234567890" not in text
    samples = parse(text)
    assert (
        value(samples, "tanzim_http_responses_total", route="<unmatched>", method="GET", status_class="4xx")
        >= 1
    )


def test_database_queries_of_a_request_are_observed_for_its_route(client):
    before = scrape(client)
    client.get(reverse("web:ready"))  # /readyz asks the database
    after = scrape(client)
    name = "tanzim_http_request_db_queries"
    assert (
        value(after, f"{name}_count", route="web:ready")
        == value(before, f"{name}_count", route="web:ready") + 1
    )
    assert (
        value(after, f"{name}_sum", route="web:ready") - value(before, f"{name}_sum", route="web:ready") >= 1
    )


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}]
)
def test_without_the_token_or_an_allowed_address_the_page_does_not_exist(client, headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 404
    assert b"tanzim_" not in response.content


def test_with_neither_a_token_nor_an_address_configured_nobody_reads_it(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_an_allow_listed_network_reads_it_without_a_token_and_a_forwarded_header_does_not_count(
    client, settings
):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 404


def test_celery_tasks_are_timed_and_failures_counted_by_task_name(client):
    deliver_pending.delay()
    with pytest.raises(NotFoundError):
        execute_run.delay(run_id=987654321)
    samples = scrape(client)
    ok = {"task": "tanzim.notify.tasks.deliver_pending"}
    assert value(samples, "tanzim_celery_tasks_total", outcome="succeeded", **ok) == 1
    assert value(samples, "tanzim_celery_task_duration_seconds_count", **ok) == 1
    failed = {"task": "tanzim.ranking.tasks.execute_run"}
    assert value(samples, "tanzim_celery_tasks_total", outcome="failed", **failed) == 1
    assert value(samples, "tanzim_celery_tasks_total", outcome="succeeded", **failed) == 0


def _message(to: str) -> Message:
    return Message.objects.create(
        channel="sms", to=to, template="t", language="fa", body="x", next_attempt_at=datetime.now(UTC)
    )


def test_the_outbox_backlog_and_the_age_of_its_oldest_waiting_message(client):
    with time_machine.travel(NOW, tick=False):
        _message("09120000000")
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        _message("09120000001")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        samples = scrape(client)
    assert value(samples, "tanzim_outbox_backlog") == 2
    assert value(samples, "tanzim_outbox_oldest_age_seconds") == 300


def test_reconciliation_lag_is_how_long_the_oldest_overdue_pending_payment_has_waited(client, personas):
    service = Service.objects.get(code="civil_petition")
    with time_machine.travel(NOW, tick=False):
        samples = scrape(client)
        assert value(samples, "tanzim_payment_reconciliation_lag_seconds") == 0
        payment = finance.payment_create(
            office=personas.office_a,
            payer=personas.citizen,
            quote=fee_quote(service=service, channel="in_person"),
            reference_type="tests.metrics",
            reference_id="1",
        )
    expires = Payment.objects.get(pk=payment.pk).expires_at
    with time_machine.travel(expires + timedelta(minutes=10), tick=False):
        samples = scrape(client)
    assert value(samples, "tanzim_payments_awaiting_reconciliation") == 1
    assert value(samples, "tanzim_payment_reconciliation_lag_seconds") == 600


def test_requests_are_counted_by_status_with_every_status_present(client, personas):
    make_draft(personas, Service.objects.get(code="civil_petition"))
    samples = scrape(client)
    assert value(samples, "tanzim_requests", status="draft") == 1
    assert ("tanzim_requests", frozenset({("status", "filed")})) in samples
    assert ("tanzim_disputes", frozenset({("status", "settled")})) in samples
    assert ("tanzim_bookings", frozenset({("status", "booked")})) in samples
    assert value(samples, "tanzim_metrics_collector_up", collector="business") == 1


def test_every_metric_the_grafana_dashboard_asks_for_is_exposed(client):
    from tanzim.testing.services import ROOT

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "tanzim.json").read_text(encoding="utf-8"))
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\btanzim_[a-z_]+", target["expr"])
    }
    client.get(reverse("web:health"))
    text = client.get("/metrics", **AUTH).content.decode()
    exposed = {line.split(" ")[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    exposed |= {f"{n}{suffix}" for n in exposed for suffix in ("_bucket", "_sum", "_count")}
    assert len(asked) >= 12
    assert asked <= exposed, asked - exposed
