"""/healthz (the process answers) and /readyz (this node may take traffic): each dependency that
fails makes /readyz answer 503 naming it, with every other check's result beside it."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.utils import OperationalError

from tanzim.notify.choices import Channel, MessageStatus
from tanzim.notify.models import Message
from tanzim.testing.factories import CitizenFactory
from tanzim.web import readiness

pytestmark = pytest.mark.django_db

PROBES = {"database", "cache", "broker", "migrations", "outbox"}
# A port nothing listens on: a real refused connection, quickly.
NOBODY = "redis://127.0.0.1:1/0"


def ready(client):
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response, response.json()


def failed(body) -> set[str]:
    return {name for name, result in body["checks"].items() if not result["ok"]}


def pending_messages(count: int) -> None:
    user = CitizenFactory.create()
    Message.objects.bulk_create(
        Message(
            channel=Channel.SMS,
            recipient=user,
            to=user.mobile,
            template="test",
            language="fa",
            body="hello",
            status=MessageStatus.PENDING,
            next_attempt_at=user.date_joined,
        )
        for _ in range(count)
    )


@pytest.fixture(autouse=True)
def _migrations_looked_at_again(monkeypatch):
    # The probe keeps a positive answer for the life of the process; each test starts afresh.
    monkeypatch.setattr(readiness, "_migrations_applied", [])


def test_healthz_answers_without_asking_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_200_with_a_result_for_every_check_when_all_is_well(client):
    response, body = ready(client)

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == PROBES
    assert all(result["ok"] and isinstance(result["ms"], int) for result in body["checks"].values())
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_503_naming_the_database_when_it_does_not_answer(client, monkeypatch):
    # The test database cannot be taken away from the test that uses it: its cursor refuses instead.
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.9 failed: secret detail")

    monkeypatch.setattr(connection, "cursor", refuse)
    response, body = ready(client)

    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    # What reads the database is not tried; the cache and the broker are still reported.
    assert failed(body) == {"database", "migrations", "outbox"}
    assert body["checks"]["cache"]["ok"] and body["checks"]["broker"]["ok"]
    assert "10.0.0.9" not in response.content.decode()  # the page is public: the kind, never the text


def test_readyz_is_503_naming_the_cache_when_redis_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOBODY}
    }

    response, body = ready(client)

    assert response.status_code == 503
    assert failed(body) == {"cache"}
    assert body["checks"]["cache"]["error"] == "ConnectionError"


def test_readyz_is_503_naming_the_broker_when_workers_cannot_be_reached(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = NOBODY
    settings.READYZ_TIMEOUT_SECONDS = 1

    response, body = ready(client)

    assert response.status_code == 503
    assert failed(body) == {"broker"}


def test_with_eager_tasks_there_is_no_broker_to_reach(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = NOBODY

    _response, body = ready(client)

    assert body["checks"]["broker"]["ok"] and body["checks"]["broker"]["mode"] == "eager"


def test_readyz_is_503_naming_the_migrations_when_one_is_not_applied(client):
    # The app's newest migration: an older one with a newer one recorded would not be waiting.
    ((app, name),) = MigrationLoader(connection).graph.leaf_nodes("notify")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])

    response, body = ready(client)

    assert response.status_code == 503
    assert failed(body) == {"migrations"}
    assert body["checks"]["migrations"]["unapplied"] >= 1


def test_readyz_is_503_when_the_outbox_backlog_passes_its_threshold(client, settings):
    settings.READYZ_OUTBOX_BACKLOG_MAX = 3
    pending_messages(3)

    at_threshold, body = ready(client)
    assert at_threshold.status_code == 200 and body["checks"]["outbox"]["backlog"] == 3

    pending_messages(1)
    over, body = ready(client)
    assert over.status_code == 503
    assert failed(body) == {"outbox"}
    assert body["checks"]["outbox"]["backlog"] == ">3" and body["checks"]["outbox"]["max"] == 3


def test_messages_already_sent_are_not_a_backlog(client, settings):
    settings.READYZ_OUTBOX_BACKLOG_MAX = 1
    pending_messages(3)
    Message.objects.update(status=MessageStatus.SENT)

    response, body = ready(client)

    assert response.status_code == 200 and body["checks"]["outbox"]["backlog"] == 0


def test_the_probes_are_answered_over_plain_http_behind_the_ssl_redirect(client, settings):
    # An orchestrator probes the node itself, without the proxy's X-Forwarded-Proto.
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_the_probes_answer_only_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


@pytest.mark.postgres
def test_readyz_reaches_a_real_redis_cache_and_broker(client, settings):
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url

    response, body = ready(client)

    assert response.status_code == 200, body
    assert body["checks"]["cache"]["backend"] == "RedisCache"
    assert body["checks"]["broker"]["transport"] == "redis"
    assert body["checks"]["database"]["vendor"] == "postgresql"
