"""Delivery backends: the HTTP gateway adapter against a real local server, and the console log."""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tanzim.notify.backends import ConsoleBackend, DeliveryError, HttpSmsGateway, OutboxOnlyBackend
from tanzim.notify.choices import MessageStatus
from tanzim.notify.services import message_deliver, message_enqueue

PHONE = "+989121234567"
BODY = "Your Tanzim code is 482913. It is valid for 2 minutes. Never share it with anyone."


@pytest.fixture
def gateway():
    """A tiny SMS gateway on 127.0.0.1: records each request, answers from a script (default 200)."""
    state = SimpleNamespace(requests=[], answers=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.requests.append({"path": self.path, "headers": self.headers, "json": json.loads(raw)})
            status, payload = state.answers.pop(0) if state.answers else (200, {"id": "gw-1"})
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/v1/sms"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_gateway_posts_json_with_the_idempotency_key(gateway):
    ref = HttpSmsGateway(url=gateway.url, token="s3cret").send_sms(to=PHONE, body=BODY, idempotency_key="k-1")

    assert ref == "gw-1"
    (request,) = gateway.requests
    assert request["path"] == "/v1/sms"
    assert request["json"] == {"to": PHONE, "text": BODY}
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Idempotency-Key"] == "k-1"
    assert request["headers"]["Authorization"] == "Bearer s3cret"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_gateway_error_answer_raises_delivery_error(gateway, status):
    gateway.answers.append((status, {"error": "busy"}))

    with pytest.raises(DeliveryError):
        HttpSmsGateway(url=gateway.url, token="t").send_sms(to=PHONE, body=BODY, idempotency_key="k-2")


def test_an_unreachable_gateway_raises_delivery_error():
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

        with pytest.raises(DeliveryError):
            HttpSmsGateway(url=f"http://127.0.0.1:{port}/", token="t", timeout=2).send_sms(
                to=PHONE, body=BODY, idempotency_key="k-3"
            )


def test_a_gateway_answer_that_is_not_json_raises_delivery_error(gateway):
    gateway.answers.append((200, "<html>not json</html>"))

    with pytest.raises(DeliveryError):
        HttpSmsGateway(url=gateway.url, token="t").send_sms(to=PHONE, body=BODY, idempotency_key="k-6")


@pytest.mark.django_db
def test_a_retried_message_reaches_the_gateway_with_the_same_key(gateway, settings, time_machine):
    settings.SMS_BACKEND = "tanzim.notify.backends.HttpSmsGateway"
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = gateway.url, "tok"
    gateway.answers.append((500, {"error": "down"}))
    time_machine.move_to(timezone.now(), tick=False)
    message = message_enqueue(template="accounts.locked", to=PHONE, language="en", context={"minutes": 15})

    first = message_deliver(message_id=message.pk)
    time_machine.shift(timedelta(hours=1))
    second = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert (first, second) == (MessageStatus.PENDING, MessageStatus.SENT)
    assert (message.provider_ref, message.attempts) == ("gw-1", 2)
    keys = [r["headers"]["Idempotency-Key"] for r in gateway.requests]
    assert keys == [str(message.uuid)] * 2


def test_the_console_log_hides_the_number_and_the_text(caplog):
    caplog.set_level(logging.INFO, logger="tanzim.notify.backends")

    ref = ConsoleBackend().send_sms(to=PHONE, body=BODY, idempotency_key="k-4")

    assert ref == "console:k-4"
    assert len(caplog.records) == 1
    logged = caplog.text
    assert "k-4" in logged
    assert PHONE not in logged and PHONE[1:] not in logged and "9121234567" not in logged
    assert "482913" not in logged
    assert BODY not in logged and "Never share" not in logged


def test_the_outbox_only_backend_sends_nothing_and_reports_the_key():
    assert OutboxOnlyBackend().send_sms(to=PHONE, body=BODY, idempotency_key="k-5") == "outbox:k-5"


def test_the_gateway_waits_as_long_as_the_setting_says(settings):
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 7

    assert HttpSmsGateway(url="http://127.0.0.1:1/", token="t").timeout == 7.0
