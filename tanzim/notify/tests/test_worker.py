"""A real Celery worker, fed through Redis, delivers what a service wrote to the outbox."""

from __future__ import annotations

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from tanzim.notify.choices import MessageStatus
from tanzim.notify.models import Message
from tanzim.notify.services import message_enqueue
from tanzim.notify.tasks import deliver_message
from tanzim.testing.services import REDIS_URL, Worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    with Worker() as running:
        yield running


@pytest.fixture
def broker(worker):
    """This process sends its tasks to Redis (not eagerly) for the duration of one test."""
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=worker.queue)
    forget_connections()
    yield worker
    celery_app.conf.update(saved)
    forget_connections()


def forget_connections() -> None:
    """Drop what the app built from its old settings: connection pool, queues, router, producers."""
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


def status_of(message: Message) -> str:
    message.refresh_from_db()
    return message.status


def test_an_sms_written_by_a_service_is_sent_by_the_worker_after_commit(broker):
    message = message_enqueue(
        template="accounts.otp", to="+989120000001", context={"code": "123456", "minutes": 2}, language="fa"
    )
    assert wait_for(lambda: status_of(message) == MessageStatus.SENT), status_of(message)
    assert message.attempts == 1 and message.provider_ref == f"outbox:{message.uuid}"


def pending(body: str) -> Message:
    return Message.objects.create(
        channel="sms",
        to="+989120000001",
        template="accounts.otp",
        language="fa",
        body=body,
        next_attempt_at=timezone.now(),
    )


def test_a_delivery_task_received_twice_sends_once(broker):
    twice, sentinel = pending("first"), pending("second")
    for message in (twice, twice, sentinel):
        deliver_message.delay(message.pk)
    # One worker takes its queue in order: once the sentinel is sent, both copies were handled.
    assert wait_for(lambda: status_of(sentinel) == MessageStatus.SENT)
    assert status_of(twice) == MessageStatus.SENT
    assert twice.attempts == 1
