"""Confidential data: alerts on unusual reading, and the retention purge.

Alerts. Every read of a confidential record is logged (``audit.ConfidentialRead``, written by the
selectors that open documents, complaints, disputes' files). ``read_alerts_scan`` counts, for each
account, the **distinct** records it read today (Tehran's day: re-opening one file is one record)
and compares that with the same count on each of its previous ``PRIVACY_READ_ALERT_BASELINE_DAYS``
days (a day without reads counts 0). Above ``max(PRIVACY_READ_ALERT_MIN, PRIVACY_READ_ALERT_FACTOR
× median)`` it raises one ``ReadAlert`` for that account and day, an audit event
``privacy.read_alert`` and a message to every active Kanoon administrator (and the
``PRIVACY_ALERT_EMAILS`` mailboxes), all in one transaction.

Retention. ``retention_purge`` applies ``RULES``: each names a kind of record, the date it is aged
from and the setting holding its age in days (0: kept for ever), and either deletes the expired rows
or blanks their personal fields, in batches of ``RETENTION_BATCH_SIZE``, each batch in its own
transaction. Audit events are never touched: the chain stays verifiable (``manage.py audit_verify``);
the purge appends one event ``privacy.retention.purged`` with the counts.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Concat, TruncDate
from django.utils import timezone

from tanzim.accounts.choices import Role
from tanzim.accounts.models import RoleAssignment, User
from tanzim.audit import services as audit
from tanzim.audit.models import ConfidentialRead
from tanzim.notify.choices import Channel
from tanzim.notify.services import message_enqueue
from tanzim.privacy.models import ReadAlert

# --- alerts on unusual reading ------------------------------------------------------------------


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def _distinct_records() -> Count:
    return Count(Concat("object_type", Value(":"), "object_id"), distinct=True)


def reads_per_day(*, account_id: int, first: date, last: date) -> dict[date, int]:
    """Distinct confidential records the account read on each day from ``first`` to ``last``."""
    start, _ = _day_bounds(first)
    _, end = _day_bounds(last)
    rows = (
        ConfidentialRead.objects.filter(actor_id=account_id, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()))
        .values("day")
        .annotate(records=_distinct_records())
    )
    counts = {row["day"]: row["records"] for row in rows}
    return {
        first + timedelta(days=n): counts.get(first + timedelta(days=n), 0)
        for n in range((last - first).days + 1)
    }


@dataclass(frozen=True)
class Baseline:
    median: Decimal
    threshold: int


def baseline_for(*, account_id: int, day: date) -> Baseline:
    """The account's usual day: the median over the previous days, and the count above which it alerts."""
    days = settings.PRIVACY_READ_ALERT_BASELINE_DAYS
    history = reads_per_day(
        account_id=account_id, first=day - timedelta(days=days), last=day - timedelta(days=1)
    )
    median = statistics.median(history.values()) if history else 0
    # "More than max(MIN, FACTOR × median)": for a whole count, more than its floor.
    threshold = max(settings.PRIVACY_READ_ALERT_MIN, math.floor(settings.PRIVACY_READ_ALERT_FACTOR * median))
    return Baseline(Decimal(str(median)).quantize(Decimal("0.1")), threshold)


def read_alerts_scan(*, now: datetime | None = None) -> list[ReadAlert]:
    """Raise today's alerts not raised yet. Safe to run as often as wanted, and concurrently."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    start, end = _day_bounds(day)
    candidates = (
        ConfidentialRead.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("actor_id")
        .annotate(records=_distinct_records())
        .filter(records__gt=settings.PRIVACY_READ_ALERT_MIN)
        .order_by("actor_id")
    )
    already = set(ReadAlert.objects.filter(day=day).values_list("account_id", flat=True))
    raised = []
    for row in candidates:
        account_id, records = row["actor_id"], row["records"]
        if account_id in already:
            continue
        baseline = baseline_for(account_id=account_id, day=day)
        if records <= baseline.threshold:
            continue
        alert = _raise(account_id=account_id, day=day, records=records, baseline=baseline)
        if alert is not None:
            raised.append(alert)
    return raised


def _raise(*, account_id: int, day: date, records: int, baseline: Baseline) -> ReadAlert | None:
    try:
        with transaction.atomic():
            alert = ReadAlert.objects.create(
                account_id=account_id,
                day=day,
                reads=records,
                median=baseline.median,
                threshold=baseline.threshold,
            )
            audit.record(
                action="privacy.read_alert",
                obj=alert,
                data={
                    "account": account_id,
                    "day": day.isoformat(),
                    "reads": records,
                    "median": str(baseline.median),
                    "threshold": baseline.threshold,
                },
            )
            _tell_security(alert)
    except IntegrityError:
        return None  # a concurrent scan raised it first: once per account and day
    return alert


def security_recipients() -> list[tuple[str, str, User | None]]:
    """(channel, address, user) of whoever hears of an alert: active Kanoon administrators, then mailboxes."""
    now = timezone.now()
    admins = User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role=Role.KANOON_ADMIN, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .values("user_id"),
    ).order_by("pk")
    found: list[tuple[str, str, User | None]] = []
    for user in admins:
        if user.email:
            found.append((Channel.EMAIL, user.email, user))
        elif user.mobile:
            found.append((Channel.SMS, user.mobile, user))
    for mailbox in settings.PRIVACY_ALERT_EMAILS:
        if all(address != mailbox for _, address, _ in found):
            found.append((Channel.EMAIL, mailbox, None))
    return found


def _tell_security(alert: ReadAlert) -> None:
    from tanzim.privacy.admin import reads_url

    context = {
        "account": alert.account_id,
        "reads": alert.reads,
        "day": alert.day.isoformat(),
        "median": str(alert.median),
        "threshold": alert.threshold,
        "url": settings.SITE_URL.rstrip("/") + reads_url(alert.account_id),
    }
    for channel, address, user in security_recipients():
        message_enqueue(
            template="privacy.read_alert",
            to=address,
            channel=channel,
            recipient=user,
            context=context,
            dedupe_key=f"privacy.read_alert:{alert.pk}:{channel}:{address}"[:150],
        )


# --- retention --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionRule:
    """One kind of record: aged from ``date_field``, kept ``settings.<setting>`` days (0: for ever).

    ``blank`` empty: expired rows are deleted. Otherwise those fields are set to these values and
    the row is kept. ``keep`` returns rows kept whatever their age (e.g. evidence of a signature).
    """

    kind: str
    model: str
    date_field: str
    setting: str
    blank: dict[str, Any] = field(default_factory=dict)
    keep: Callable[[], Q] | None = None
    what: str = ""


def _signature_otps() -> Q:
    signatures = apps.get_model("disputes", "Signature")
    return Q(pk__in=signatures.objects.values("otp_id"))


def _blanked_messages() -> Q:
    # Already blank, or not finished (a pending message still needs its text).
    return Q(body="", subject="") | Q(status__in=["pending", "sending"])


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        "notify.message_body",
        "notify.Message",
        "created_at",
        "RETENTION_MESSAGE_BODY_DAYS",
        blank={"body": "", "subject": ""},
        keep=_blanked_messages,
        what="the text of SMS and e-mails sent (the row, its status and times stay)",
    ),
    RetentionRule(
        "accounts.otp_challenge",
        "accounts.OtpChallenge",
        "created_at",
        "RETENTION_OTP_DAYS",
        what="sign-in one-time codes (their hashes)",
    ),
    RetentionRule(
        "disputes.party_otp",
        "disputes.PartyOtp",
        "created_at",
        "RETENTION_OTP_DAYS",
        keep=_signature_otps,
        what="parties' one-time codes, except those proving a signature",
    ),
    RetentionRule(
        "audit.confidential_read",
        "audit.ConfidentialRead",
        "created_at",
        "RETENTION_CONFIDENTIAL_READ_DAYS",
        what="the log of confidential reads",
    ),
    RetentionRule(
        "privacy.read_alert",
        "privacy.ReadAlert",
        "created_at",
        "RETENTION_READ_ALERT_DAYS",
        what="alerts on unusual reading",
    ),
    RetentionRule(
        "sessions.expired",
        "sessions.Session",
        "expire_date",
        "RETENTION_EXPIRED_SESSION_DAYS",
        what="expired web sessions (days after they expired)",
    ),
)


def expired_rows(rule: RetentionRule, *, now: datetime) -> models.QuerySet | None:
    """The rows a rule would purge now (None: the rule keeps them for ever)."""
    days = int(getattr(settings, rule.setting))
    if days <= 0:
        return None
    model = apps.get_model(rule.model)
    rows = model._default_manager.filter(**{f"{rule.date_field}__lt": now - timedelta(days=days)})
    if rule.keep is not None:
        rows = rows.exclude(rule.keep())
    return rows


@dataclass
class PurgeReport:
    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def retention_purge(
    *, now: datetime | None = None, batch_size: int | None = None, dry_run: bool = False
) -> PurgeReport:
    """Delete or blank every expired record, rule by rule, a batch per transaction. Idempotent."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    report = PurgeReport(dry_run=dry_run)
    for rule in RULES:
        rows = expired_rows(rule, now=now)
        if rows is None:
            continue
        if dry_run:
            report.counts[rule.kind] = rows.count()
            continue
        done = 0
        while True:
            with transaction.atomic():
                pks = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                batch = rows.model._default_manager.filter(pk__in=pks)
                if rule.blank:
                    done += batch.update(**rule.blank)
                else:
                    batch.delete()
                    done += len(pks)
        report.counts[rule.kind] = done
    if not dry_run and report.total:
        audit.record(
            action="privacy.retention.purged",
            data={
                "counts": {kind: count for kind, count in report.counts.items() if count},
                "at": now.isoformat(),
            },
        )
    return report
