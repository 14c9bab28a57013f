"""SMS after a worker crash (issue 13, 7): a real ``celery worker`` is killed with SIGKILL mid-send.

The local SMS provider (``tanzim.testing.sms_server``) kills the worker at the moment it receives
the message, before it answers: the gateway has the SMS, the worker never learns it. Then a new
worker starts, and the deliveries are counted at the provider:

- the sweep (``deliver_pending``, run by beat) takes over the stale claim and sends again with the
  same Idempotency-Key, so the provider delivers the SMS once;
- with late acknowledgement and a short visibility timeout, Redis also hands the killed worker's
  task to the new worker, which takes over the same way with no sweep at all.

PostgreSQL, a real Redis (a database number of its own: a worker with a seconds-long visibility
timeout hands out again whatever is unacknowledged in its database) and real worker processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from config.celery import app as celery_app
from tanzim.notify.choices import MessageStatus
from tanzim.notify.models import Message
from tanzim.notify.services import message_enqueue
from tanzim.notify.tasks import deliver_pending
from tanzim.testing.services import REDIS_URL, ROOT, database_url, wait_for
from tanzim.testing.sms_server import SmsTestServer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The tests' Redis server, database 14 (TEST_REDIS_URL is database 15 by default).
CRASH_REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + "/14"
TOKEN = "crash-test-token"
GATEWAY_TIMEOUT = 2


class CeleryWorker:
    """``celery worker`` (solo pool: the task runs in the process we kill) in a process group."""

    def __init__(self, queue: str, sms_url: str, **settings: int) -> None:
        self.queue = queue
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": CRASH_REDIS_URL,
            "CELERY_BROKER_URL": CRASH_REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only-worker"),
            "SMS_BACKEND": "tanzim.notify.backends.HttpSmsGateway",
            "SMS_GATEWAY_URL": sms_url,
            "SMS_GATEWAY_TOKEN": TOKEN,
            "SMS_GATEWAY_TIMEOUT_SECONDS": str(GATEWAY_TIMEOUT),
            **{name: str(value) for name, value in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CeleryWorker:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", self.queue]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine: nothing is finished or acknowledged."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None:
            self.kill()


@pytest.fixture
def queue() -> Iterator[str]:
    """This process sends its tasks through Redis (database 14) to a queue of this test's own."""
    name = f"tanzim-crash-{uuid.uuid4().hex[:12]}"
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(task_always_eager=False, broker_url=CRASH_REDIS_URL, task_default_queue=name)
    forget_connections()
    yield name
    celery_app.conf.update(saved)
    forget_connections()
    redis.Redis.from_url(CRASH_REDIS_URL).delete(name)


def forget_connections() -> None:
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def sms() -> Iterator[SmsTestServer]:
    with SmsTestServer(token=TOKEN) as server:
        yield server


@pytest.fixture
def workers() -> Iterator[list[CeleryWorker]]:
    started: list[CeleryWorker] = []
    yield started
    for worker in started:
        worker.stop()


def kill_on_first_request(sms: SmsTestServer, worker: CeleryWorker) -> None:
    """The provider has the SMS; the worker dies before it hears the answer."""

    def hook(request: dict) -> None:
        if len(sms.requests) == 1:
            worker.kill()

    sms.on_request = hook


def otp_message() -> Message:
    return message_enqueue(
        template="accounts.otp", to="+989120000077", context={"code": "271828", "minutes": 2}, language="fa"
    )


def status_of(message: Message) -> str:
    message.refresh_from_db()
    return message.status


def assert_delivered_once(sms: SmsTestServer, message: Message) -> None:
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    # Two attempts reached the provider (the one cut short, the take-over), with one key...
    assert [attempt["key"] for attempt in sms.requests] == [str(message.uuid)] * 2
    # ...so it delivered the SMS once, and the take-over recorded the first attempt's reference.
    assert len(sms.delivered) == 1
    assert sms.delivered[0]["to"] == "+989120000077" and "271828" in sms.delivered[0]["text"]
    assert message.provider_ref == sms.delivered[0]["id"]
    assert message.attempts == 1  # the killed attempt never finished


def test_the_sweep_takes_over_a_send_cut_short_by_a_killed_worker_and_the_provider_delivers_once(
    queue, sms, workers
):
    stale = 2 * GATEWAY_TIMEOUT
    # A long visibility timeout: here only the sweep may bring the message back.
    settings = {"NOTIFY_STALE_CLAIM_SECONDS": stale, "CELERY_VISIBILITY_TIMEOUT": 3600}
    first = CeleryWorker(queue, sms.url, **settings)
    workers.append(first.start())
    kill_on_first_request(sms, first)

    message = otp_message()

    assert wait_for(lambda: first.process is not None and first.process.poll() is not None)
    assert status_of(message) == MessageStatus.SENDING  # claimed, and never finished
    assert len(sms.delivered) == 1

    second = CeleryWorker(queue, sms.url, **settings)
    workers.append(second.start())
    message.refresh_from_db()
    assert message.claimed_at is not None
    stale_at = message.claimed_at + timedelta(seconds=stale + 1)
    time.sleep(max(0.0, (stale_at - timezone.now()).total_seconds()))
    deliver_pending.delay()  # as beat does every 30 s; the claim is stale by now

    assert wait_for(lambda: status_of(message) == MessageStatus.SENT), status_of(message)
    assert_delivered_once(sms, message)


def test_a_killed_workers_task_comes_back_after_the_short_visibility_timeout_and_is_sent_once(
    queue, sms, workers
):
    # Acknowledged late, the task stays with Redis; after 6 s it goes to the next worker, which
    # finds the claim stale (4 s) and takes over. No sweep runs in this test.
    settings = {"NOTIFY_STALE_CLAIM_SECONDS": 2 * GATEWAY_TIMEOUT, "CELERY_VISIBILITY_TIMEOUT": 6}
    first = CeleryWorker(queue, sms.url, **settings)
    workers.append(first.start())
    kill_on_first_request(sms, first)

    message = otp_message()

    assert wait_for(lambda: first.process is not None and first.process.poll() is not None)
    assert status_of(message) == MessageStatus.SENDING

    workers.append(CeleryWorker(queue, sms.url, **settings).start())

    assert wait_for(lambda: status_of(message) == MessageStatus.SENT), status_of(message)
    assert_delivered_once(sms, message)
