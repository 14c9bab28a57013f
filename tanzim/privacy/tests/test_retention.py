"""Retention: expired records deleted or blanked in batches, the rest kept, the audit chain verifiable."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command

from tanzim.accounts.models import OtpChallenge
from tanzim.audit import services as audit
from tanzim.audit.models import AuditEvent, ConfidentialRead
from tanzim.audit.services import audit_verify
from tanzim.disputes import services as dispute_services
from tanzim.disputes.models import PartyOtp, Signature
from tanzim.notify.models import Message
from tanzim.privacy.models import ReadAlert
from tanzim.privacy.services import retention_purge
from tanzim.privacy.tasks import purge_expired
from tanzim.testing.disputes import NOW, sign_all, to_mediation, two_instalments

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=800)  # beyond every default retention but the alerts' five years


def _age(model, pks, when, field="created_at"):
    model.objects.filter(pk__in=pks).update(**{field: when})


def _message(to, *, age_days, status="sent"):
    message = Message.objects.create(
        channel="sms",
        to=to,
        template="accounts.otp",
        language="fa",
        subject="کد ورود",
        body="کد شما 123456 است.",
        status=status,
        next_attempt_at=NOW,
    )
    _age(Message, [message.pk], LATER - timedelta(days=age_days))
    return message


@pytest.fixture
def records(personas, clock):
    """Of each kind, one record just past its retention at LATER and one just inside it."""
    made: dict[str, tuple] = {}
    made["message"] = (_message("+989120000001", age_days=366), _message("+989120000002", age_days=364))
    pending = _message("+989120000003", age_days=400, status="pending")
    made["pending"] = (pending,)
    otps = [
        OtpChallenge.objects.create(
            user=personas.citizen, purpose="login", code_hash="x" * 64, expires_at=NOW + timedelta(minutes=2)
        )
        for _ in range(2)
    ]
    _age(OtpChallenge, [otps[0].pk], LATER - timedelta(days=31))
    _age(OtpChallenge, [otps[1].pk], LATER - timedelta(days=29))
    made["otp"] = tuple(otps)
    reads = [
        ConfidentialRead.objects.create(
            actor=personas.clerk_a, object_type="cases.document", object_id=str(n)
        )
        for n in range(3)
    ]
    _age(ConfidentialRead, [reads[0].pk, reads[1].pk], LATER - timedelta(days=731))
    _age(ConfidentialRead, [reads[2].pk], LATER - timedelta(days=729))
    made["reads"] = tuple(reads)
    alert = ReadAlert.objects.create(
        account=personas.clerk_a, day=date(2026, 12, 5), reads=30, median=0, threshold=20
    )
    made["alert"] = (alert,)
    Session.objects.create(session_key="a" * 32, session_data="e30:", expire_date=LATER - timedelta(days=8))
    Session.objects.create(session_key="b" * 32, session_data="e30:", expire_date=LATER - timedelta(days=6))
    return made


@pytest.fixture
def clock():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_purge_removes_the_expired_keeps_the_rest_and_the_audit_chain_verifies(personas, records, clock):
    audit.record(action="test.before_purge", actor=personas.clerk_a, office=personas.office_a, data={"n": 1})
    events_before = AuditEvent.objects.count()
    assert audit_verify().ok

    clock.move_to(LATER)
    out = io.StringIO()
    call_command("purge_expired", "--batch-size", "1", stdout=out)

    old, recent = records["message"]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.body, old.subject, old.to, old.status) == ("", "", "+989120000001", "sent")
    assert recent.body == "کد شما 123456 است."
    records["pending"][0].refresh_from_db()
    assert records["pending"][0].body  # not sent yet: its text is still needed
    assert list(OtpChallenge.objects.values_list("pk", flat=True)) == [records["otp"][1].pk]
    assert list(ConfidentialRead.objects.values_list("pk", flat=True)) == [records["reads"][2].pk]
    assert ReadAlert.objects.filter(pk=records["alert"][0].pk).exists()  # five years
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]

    # No audit event was removed or changed; the purge appended one with its counts.
    assert AuditEvent.objects.count() == events_before + 1
    purged = AuditEvent.objects.get(action="privacy.retention.purged")
    assert purged.data["counts"] == {
        "notify.message_body": 1,
        "accounts.otp_challenge": 1,
        "audit.confidential_read": 2,
        "sessions.expired": 1,
    }
    assert audit_verify().ok
    call_command("audit_verify", stdout=io.StringIO())  # exits non-zero on a broken chain
    assert "purged 5 record(s) in all" in out.getvalue()


def test_purge_is_idempotent_and_a_dry_run_changes_nothing(records, clock):
    clock.move_to(LATER)
    dry = retention_purge(dry_run=True)
    assert dry.counts["audit.confidential_read"] == 2 and dry.total == 5
    assert ConfidentialRead.objects.count() == 3
    assert not AuditEvent.objects.filter(action="privacy.retention.purged").exists()
    assert purge_expired() == 5
    assert retention_purge().total == 0
    assert AuditEvent.objects.filter(action="privacy.retention.purged").count() == 1


def test_a_retention_of_zero_keeps_records_for_ever(settings, records, clock):
    settings.RETENTION_CONFIDENTIAL_READ_DAYS = 0
    clock.move_to(LATER + timedelta(days=5000))
    report = retention_purge()
    assert "audit.confidential_read" not in report.counts
    assert ConfidentialRead.objects.count() == 3
    assert ReadAlert.objects.count() == 0  # past five years now


def test_a_code_that_proves_a_signature_is_kept(personas, clock):
    dispute = to_mediation(personas)
    settlement = dispute_services.settlement_draft(
        dispute=dispute,
        actor=personas.mediator_a,
        terms="سازش",
        obligations=two_instalments(date(2027, 1, 5), date(2027, 2, 4)),
    )
    settlement = dispute_services.settlement_open(settlement=settlement, actor=personas.mediator_a)
    respondent_user = dispute.parties.get(role="respondent").user
    sign_all(dispute, settlement, personas, respondent_user)
    signing = set(Signature.objects.values_list("otp_id", flat=True))
    every = set(PartyOtp.objects.values_list("pk", flat=True))
    assert signing and every - signing  # the join's code proves nothing once used

    clock.move_to(NOW + timedelta(days=31))
    assert retention_purge().counts["disputes.party_otp"] == len(every - signing)
    assert set(PartyOtp.objects.values_list("pk", flat=True)) == signing
    assert audit_verify().ok


def test_beat_runs_the_purge_nightly_and_the_scan_every_quarter_hour(settings):
    from tanzim.privacy.tasks import scan_confidential_reads

    assert settings.CELERY_BEAT_SCHEDULE["privacy-purge-expired"]["task"] == purge_expired.name
    scan = settings.CELERY_BEAT_SCHEDULE["privacy-scan-confidential-reads"]
    assert (scan["task"], scan["schedule"]) == (scan_confidential_reads.name, 900.0)
