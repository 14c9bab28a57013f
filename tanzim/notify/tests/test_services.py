"""The outbox: written with the change, delivered after commit, retried, never sent twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone, translation

from tanzim.notify.backends import DeliveryError
from tanzim.notify.choices import Channel, MessageStatus
from tanzim.notify.models import Message
from tanzim.notify.services import message_deliver, message_enqueue, stale_claim
from tanzim.notify.tasks import deliver_pending
from tanzim.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

PERSIAN_LETTERS = re.compile(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")


class RecordingBackend:
    """Counts what it is asked to send, across instances (the outbox makes a new one per message)."""

    sent: list[dict] = []

    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        self.sent.append({"to": to, "body": body, "key": idempotency_key})
        return f"fake:{len(self.sent)}"


class FailingBackend:
    calls = 0

    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        type(self).calls += 1
        raise DeliveryError("gateway unavailable")


@pytest.fixture
def backend(settings):
    RecordingBackend.sent = []
    settings.SMS_BACKEND = f"{__name__}.RecordingBackend"
    return RecordingBackend


@pytest.fixture
def failing_backend(settings):
    FailingBackend.calls = 0
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    return FailingBackend


def enqueue_locked(recipient=None, **extra) -> Message:
    return message_enqueue(
        template="accounts.locked", to="+989121234567", recipient=recipient, context={"minutes": 15}, **extra
    )


# --- enqueue -------------------------------------------------------------------------------


def test_a_message_is_rendered_in_english_for_an_english_speaker():
    reader = UserFactory(preferred_language="en")

    message = enqueue_locked(reader)

    assert message.language == "en"
    assert message.subject == "Tanzim account locked"
    assert message.body == (
        "Too many failed sign-in attempts on your Tanzim account. It is locked for 15 minutes."
    )


def test_a_message_is_rendered_in_persian_for_a_persian_speaker():
    reader = UserFactory(preferred_language="fa")

    message = enqueue_locked(reader)

    assert message.language == "fa"
    assert PERSIAN_LETTERS.search(message.body), message.body
    assert PERSIAN_LETTERS.search(message.subject), message.subject
    assert "15" in message.body or "۱۵" in message.body


def test_the_recipients_language_wins_over_the_active_one():
    reader = UserFactory(preferred_language="en")

    with translation.override("fa"):
        message = enqueue_locked(reader)

    assert message.body.startswith("Too many failed")


def test_an_explicit_language_overrides_the_recipients():
    message = enqueue_locked(UserFactory(preferred_language="fa"), language="en")

    assert (message.language, message.subject) == ("en", "Tanzim account locked")


def test_a_message_without_a_recipient_uses_the_site_language(settings):
    message = enqueue_locked()

    assert message.language == settings.LANGUAGE_CODE


def test_a_message_is_delivered_when_the_transaction_commits(backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = enqueue_locked(UserFactory(preferred_language="en"))
        assert backend.sent == []  # nothing leaves before the commit

    message.refresh_from_db()
    # One delivery was scheduled (the engine's ``transitioned`` signals are on-commit callbacks too).
    names = [getattr(c, "func", c).__qualname__ for c in callbacks]
    assert len([n for n in names if n.startswith("message_enqueue.")]) == 1, names
    assert message.status == MessageStatus.SENT
    assert (message.attempts, message.provider_ref) == (1, "fake:1")
    assert message.sent_at is not None
    assert backend.sent == [{"to": "+989121234567", "body": message.body, "key": str(message.uuid)}]


def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(
    backend, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_locked(UserFactory())
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert not Message.objects.exists()
    assert backend.sent == []


def test_a_dedupe_key_gives_one_message_even_when_enqueued_twice(backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue_locked(dedupe_key="locked:42:2026-03-20")
        second = enqueue_locked(dedupe_key="locked:42:2026-03-20")

    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(backend.sent) == 1


def test_different_dedupe_keys_give_different_messages():
    enqueue_locked(dedupe_key="a")
    enqueue_locked(dedupe_key="b")
    enqueue_locked()
    enqueue_locked()

    assert Message.objects.count() == 4


# --- deliver -------------------------------------------------------------------------------


def test_delivering_twice_sends_once(backend):
    message = enqueue_locked()

    first = message_deliver(message_id=message.pk)
    second = message_deliver(message_id=message.pk)

    assert (first, second) == (MessageStatus.SENT, MessageStatus.SENT)
    assert len(backend.sent) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_delivering_a_missing_message_is_harmless(backend):
    assert message_deliver(message_id=987654) == "missing"
    assert backend.sent == []


def test_a_failed_send_is_retried_later(failing_backend, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    message = enqueue_locked()

    status = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert status == MessageStatus.PENDING == message.status
    assert message.attempts == 1
    assert message.next_attempt_at > now
    assert message.last_error == "gateway unavailable"
    assert message.sent_at is None


def test_a_message_waiting_for_its_retry_is_not_sent_early(failing_backend, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    message = enqueue_locked()
    message_deliver(message_id=message.pk)

    assert message_deliver(message_id=message.pk) == MessageStatus.PENDING
    assert deliver_pending() == 0
    assert failing_backend.calls == 1


def test_retries_back_off_and_stop_after_the_maximum(failing_backend, settings, time_machine):
    settings.NOTIFY_MAX_ATTEMPTS = 4
    time_machine.move_to(timezone.now(), tick=False)
    message = enqueue_locked()
    waits, statuses = [], []

    for _ in range(settings.NOTIFY_MAX_ATTEMPTS):
        statuses.append(message_deliver(message_id=message.pk))
        message.refresh_from_db()
        waits.append(message.next_attempt_at - timezone.now())
        time_machine.shift(timedelta(hours=2))
    more = deliver_pending()

    assert statuses == [MessageStatus.PENDING] * 3 + [MessageStatus.FAILED]
    assert waits == sorted(waits) and waits[0] < waits[-1]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 4)
    assert more == 0
    assert failing_backend.calls == 4


def test_the_sweeper_sends_messages_that_are_due(backend):
    messages = [enqueue_locked() for _ in range(3)]

    assert deliver_pending() == 3

    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in messages])} == {MessageStatus.SENT}
    assert len(backend.sent) == 3


def test_a_claim_abandoned_for_longer_than_the_stale_claim_is_taken_over(backend, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    message = enqueue_locked()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=timezone.now())

    time_machine.shift(stale_claim() + timedelta(seconds=1))
    taken = deliver_pending()

    message.refresh_from_db()
    assert taken == 1
    assert message.status == MessageStatus.SENT
    assert [s["key"] for s in backend.sent] == [str(message.uuid)]


def test_a_fresh_claim_is_left_to_its_worker(backend, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    message = enqueue_locked()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=timezone.now())

    time_machine.shift(stale_claim() - timedelta(seconds=1))

    assert deliver_pending() == 0
    assert message_deliver(message_id=message.pk) == MessageStatus.SENDING
    assert backend.sent == []


def test_an_email_goes_through_the_mail_backend(mailoutbox):
    message = message_enqueue(
        template="accounts.locked",
        to="citizen@example.org",
        channel=Channel.EMAIL,
        language="en",
        context={"minutes": 15},
    )

    assert message_deliver(message_id=message.pk) == MessageStatus.SENT

    assert len(mailoutbox) == 1
    assert (mailoutbox[0].to, mailoutbox[0].subject) == (["citizen@example.org"], "Tanzim account locked")
    assert "15 minutes" in mailoutbox[0].body
