"""``/metrics``: the Prometheus text of this process, the Celery tasks and the site's queues and totals.

The request metrics are this process's own (``tanzim.common.metrics``); the Celery ones are shared
through the cache; the rest is read from the database at each scrape (a few indexed aggregates), so
it is the same on every node: the outbox's backlog and its oldest message, the payments waiting for
reconciliation and how late the oldest is, and requests, bookings and disputes by status.

The page is for the monitoring system only: a bearer token (``METRICS_TOKEN``) or an address in
``METRICS_ALLOWED_IPS`` (the connecting address, never a forwarded header); anyone else gets the
same 404 as for a page that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.common import metrics
from tanzim.disputes.choices import DisputeStatus
from tanzim.disputes.models import Dispute
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.models import Payment
from tanzim.finance.services.reconcile import RECONCILE_AFTER
from tanzim.notify.choices import MessageStatus
from tanzim.notify.models import Message
from tanzim.scheduling.choices import AppointmentStatus
from tanzim.scheduling.models import Appointment

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WAITING = (MessageStatus.PENDING, MessageStatus.SENDING)


def _age(now: datetime, oldest: datetime | None) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def outbox_lines() -> list[str]:
    now = timezone.now()
    found = Message.objects.filter(status__in=WAITING).aggregate(n=Count("pk"), oldest=Min("created_at"))
    return [
        *metrics.header(
            "tanzim_outbox_backlog", "gauge", "Messages waiting in the outbox (pending or being sent)."
        ),
        metrics.sample("tanzim_outbox_backlog", (), (), found["n"]),
        *metrics.header(
            "tanzim_outbox_oldest_age_seconds", "gauge", "Age of the oldest waiting message (0 when none)."
        ),
        metrics.sample("tanzim_outbox_oldest_age_seconds", (), (), round(_age(now, found["oldest"]), 3)),
    ]


def reconciliation_lag_lines() -> list[str]:
    """Pending payments the reconciliation sweep should already have settled (payments_reconcile).

    A payment is due when its session expired, or when the bank session was started more than
    RECONCILE_AFTER ago without a callback. The lag is how long the oldest one has been due.
    """
    now = timezone.now()
    pending = Payment.objects.filter(status=PaymentStatus.PENDING)
    expired = pending.filter(expires_at__lte=now).aggregate(n=Count("pk"), oldest=Min("expires_at"))
    silent = (
        pending.filter(gateway_token__isnull=False, updated_at__lte=now - RECONCILE_AFTER)
        .exclude(expires_at__lte=now)
        .aggregate(n=Count("pk"), oldest=Min("updated_at"))
    )
    due_since = [expired["oldest"], silent["oldest"] + RECONCILE_AFTER if silent["oldest"] else None]
    oldest = min((d for d in due_since if d is not None), default=None)
    return [
        *metrics.header(
            "tanzim_payments_awaiting_reconciliation",
            "gauge",
            "Pending payments whose session expired or whose bank answer is overdue.",
        ),
        metrics.sample("tanzim_payments_awaiting_reconciliation", (), (), expired["n"] + silent["n"]),
        *metrics.header(
            "tanzim_payment_reconciliation_lag_seconds",
            "gauge",
            "How long the oldest payment awaiting reconciliation has been due (0 when none).",
        ),
        metrics.sample("tanzim_payment_reconciliation_lag_seconds", (), (), round(_age(now, oldest), 3)),
    ]


def _by_status(name: str, help_text: str, model: type, statuses: list[str]) -> list[str]:
    counts = dict.fromkeys(statuses, 0)
    for row in model.objects.values("status").annotate(n=Count("pk")).order_by():  # type: ignore[attr-defined]
        counts[row["status"]] = row["n"]
    return [
        *metrics.header(name, "gauge", help_text),
        *(metrics.sample(name, ("status",), (status,), n) for status, n in sorted(counts.items())),
    ]


def business_lines() -> list[str]:
    return [
        *_by_status("tanzim_requests", "Requests (cases) by status.", Case, list(CaseStatus.values)),
        *_by_status(
            "tanzim_bookings", "Appointments booked, by status.", Appointment, list(AppointmentStatus.values)
        ),
        *_by_status(
            "tanzim_disputes",
            "Disputes by status (settled: a settlement was signed).",
            Dispute,
            list(DisputeStatus.values),
        ),
    ]


COLLECTORS: dict[str, Callable[[], list[str]]] = {
    "outbox": outbox_lines,
    "reconciliation": reconciliation_lag_lines,
    "business": business_lines,
}


def exposition() -> str:
    lines = metrics.REGISTRY.collect() + metrics.process_lines()
    from config.celery import app

    lines += metrics.task_lines(name for name in app.tasks if name.startswith("tanzim."))
    up = []
    for name, collect in COLLECTORS.items():
        try:
            lines += collect()
            up.append((name, 1))
        except Exception:
            up.append((name, 0))
    lines += metrics.header(
        "tanzim_metrics_collector_up", "gauge", "1 when a database collector of /metrics answered."
    )
    lines += [metrics.sample("tanzim_metrics_collector_up", ("collector",), (n,), v) for n, v in up]
    return "\n".join(lines) + "\n"


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)
