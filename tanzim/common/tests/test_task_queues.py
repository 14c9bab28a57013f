"""Celery queues by kind: every task of the project is routed to one of the site's queues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

from config.celery import app as celery_app
from tanzim.accounts.services import otp_request
from tanzim.testing.factories import CitizenFactory

ROOT = Path(__file__).resolve().parents[3]
KNOWN = {"default", "sms", "pdf", "ranking", "sweeps"}


def project_tasks() -> list[str]:
    celery_app.loader.import_default_modules()  # the tasks modules of every installed app
    # Tasks that test modules define for themselves (tanzim.<app>.tests.…) are not the project's.
    return sorted(n for n in celery_app.tasks if n.startswith("tanzim.") and ".tests." not in n)


def routed_queue(name: str) -> str:
    task = celery_app.tasks[name]
    route = celery_app.amqp.router.route({}, name, (), {}, task)
    return route["queue"].name


def test_the_project_has_tasks_to_route():
    names = project_tasks()
    assert len(names) >= 20
    assert "tanzim.notify.tasks.deliver_message" in names


def test_every_task_of_the_project_is_routed_to_a_known_queue():
    assert set(settings.TASK_QUEUE_NAMES) == KNOWN
    unrouted = [name for name in project_tasks() if name not in settings.TASK_QUEUES]
    assert unrouted == [], "add these tasks to TASK_QUEUES in config/settings.py"
    for name in project_tasks():
        assert routed_queue(name) in KNOWN, name
    # The table names no task that does not exist (a renamed task would silently lose its route).
    assert set(settings.TASK_QUEUES) - set(project_tasks()) == set()


def test_messages_go_to_the_sms_queue_and_documents_to_the_pdf_queue():
    names = project_tasks()
    for name in names:
        if name.startswith("tanzim.notify.tasks."):
            assert routed_queue(name) == "sms", name
        if "pdf" in name:
            assert routed_queue(name) == "pdf", name
    assert routed_queue("tanzim.disputes.tasks.render_settlement_pdf") == "pdf"
    assert routed_queue("tanzim.disputes.tasks.render_award_pdf") == "pdf"
    assert routed_queue("tanzim.ranking.tasks.execute_run") == "ranking"
    # Every task beat starts is a sweep or a longer run, never on the sms or default queues'
    # workers except the outbox sweep that resends messages.
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        queue = routed_queue(entry["task"])
        assert queue in {"sweeps", "ranking"} or entry["task"] == "tanzim.notify.tasks.deliver_pending"


@pytest.fixture
def memory_broker():
    """Tasks are really sent (not run eagerly) to an in-memory broker this test reads back."""
    keys = ("task_always_eager", "broker_url")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(task_always_eager=False, broker_url="memory://")
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
    yield
    celery_app.conf.update(saved)
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


def _queued(queue: str) -> list[str]:
    names = []
    with Connection("memory://") as conn:
        simple = conn.SimpleQueue(queue)
        while simple.qsize():
            message = simple.get(timeout=1)
            names.append(message.headers["task"])
            message.ack()
        simple.close()
    return names


@pytest.mark.django_db
def test_a_one_time_code_is_queued_on_the_sms_queue(memory_broker, django_capture_on_commit_callbacks):
    citizen = CitizenFactory.create(mobile="+989121234567")
    with django_capture_on_commit_callbacks(execute=True):
        otp_request(national_code=citizen.national_code, mobile="09121234567")

    assert _queued("sms") == ["tanzim.notify.tasks.deliver_message"]
    assert _queued("default") == []


def test_a_worker_with_its_own_default_queue_keeps_every_task_on_it():
    # The suite's isolated workers (tanzim/testing/services.py) set their own default queue.
    saved = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = "tanzim-test-own"
    try:
        task = celery_app.tasks["tanzim.notify.tasks.deliver_message"]
        route = celery_app.amqp.router.route({}, task.name, (), {}, task)
    finally:
        celery_app.conf.task_default_queue = saved
    assert route["queue"].name == "tanzim-test-own"


def test_the_worker_entrypoint_consumes_every_queue_unless_told_otherwise():
    script = (ROOT / "deploy" / "entrypoint.sh").read_text(encoding="utf-8")
    found = re.search(r'^all_queues="([a-z,]+)"$', script, re.MULTILINE)
    assert found is not None
    assert set(found.group(1).split(",")) == KNOWN
    assert "CELERY_QUEUES" in script
