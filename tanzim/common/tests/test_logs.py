"""Logs: JSON lines with a request id that follows the work into Celery, and no national code,
mobile, token, secret or one-time code in anything a handler writes (issue 14, CONTRIBUTING.md)."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest

from config.celery import app as celery_app
from tanzim.common.logs import (
    TASK_HEADER,
    JsonFormatter,
    PersonalDataFilter,
    RequestIdFilter,
    bind_request_id,
    current_request_id,
    mask_text,
    unbind_request_id,
)

NATIONAL_CODE = "0012345679"


@pytest.fixture
def written():
    """A logger whose handler is configured like the site's: the filters, then the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"tanzim.tests.logs.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield logger, lines, stream
    logger.removeHandler(handler)


def test_a_national_code_passed_as_an_argument_is_masked(written):
    logger, lines, stream = written
    logger.info("citizen %s signed in", NATIONAL_CODE)

    assert NATIONAL_CODE not in stream.getvalue()
    assert lines()[0]["message"] == "citizen ***79 signed in"


@pytest.mark.parametrize(
    "mobile",
    [
        "+989121234567",
        "09121234567",
        "989121234567",
        "00989121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "0912 123 4567",
        "0912-123-4567",
    ],
)
def test_a_mobile_in_any_written_form_is_masked(written, mobile):
    logger, lines, stream = written
    logger.warning("SMS to %s failed", mobile)

    assert "1234567" not in stream.getvalue()
    assert lines()[0]["message"].startswith("SMS to ***")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("otp=482913 accepted", "482913"),
        ("payload {'code': '482913', 'x': 1}", "482913"),
        ('body {"otp_code": "482913"}', "482913"),
        ("password: hunter2hunter2", "hunter2hunter2"),
        ("Authorization: Bearer abcdef0123456789", "abcdef0123456789"),
        ("Token 9f8e7d6c5b4a39281706", "9f8e7d6c5b4a39281706"),
        ("FINANCE_GATEWAY_SECRET=s3cr3t-value", "s3cr3t-value"),
        ("join_code=AB12CD34", "AB12CD34"),
        ("GET /files/eyJtIjoiY2Fz:1tX9:Qm9v/05-9106-1744-lease.pdf 200", "05-9106-1744"),
        ("GET /files/eyJtIjoiY2Fz:1tX9:Qm9v/05-9106-1744-lease.pdf 200", "eyJtIjoiY2Fz"),
        ("GET /feedback/s/Hk2mQ9vLx81pZr/ 200", "Hk2mQ9vLx81pZr"),
        ("GET /finance/gateway/Hk2mQ9vLx81pZr/ 200", "Hk2mQ9vLx81pZr"),
    ],
)
def test_named_secrets_tokens_and_one_time_codes_are_masked(text, secret):
    assert secret not in mask_text(text)


@pytest.mark.parametrize(
    "text",
    ["payment 12345 captured", "status_code=404", "on 2025-03-21 at 10:15", "case #987654", "uuid 9b2f-4c1d"],
)
def test_what_is_no_personal_data_is_left_as_it_is(text):
    assert mask_text(text) == text


def test_a_traceback_that_quotes_a_national_code_is_masked(written):
    logger, lines, stream = written
    try:
        raise ValueError(f"Key (national_code)=({NATIONAL_CODE}) already exists.")
    except ValueError:
        logger.exception("signup failed")

    assert NATIONAL_CODE not in stream.getvalue()
    assert "ValueError" in lines()[0]["exception"]


def test_extra_fields_named_like_personal_data_are_dropped_and_the_others_masked(written):
    logger, lines, stream = written
    logger.info(
        "done", extra={"mobile": "+989121234567", "otp": "482913", "note": f"for {NATIONAL_CODE}", "n": 3}
    )

    entry = lines()[0]
    assert entry["mobile"] == "***" and entry["otp"] == "***"
    assert entry["note"] == "for ***79" and entry["n"] == 3
    assert "482913" not in stream.getvalue()


def test_each_record_is_one_json_line_with_time_level_logger_and_request_id(written):
    logger, lines, _stream = written
    token = bind_request_id("edge-proxy-0001")
    try:
        logger.info("first")
    finally:
        unbind_request_id(token)
    logger.error("second")

    first, second = lines()
    assert first["level"] == "INFO" and first["logger"] == logger.name and first["message"] == "first"
    assert first["time"].endswith("+00:00")
    assert first["request_id"] == "edge-proxy-0001"
    assert second["request_id"] == "-"  # outside any request or task


def test_the_request_id_from_the_proxy_is_kept_and_returned(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-proxy-0042")

    assert response["X-Request-ID"] == "edge-proxy-0042"


@pytest.mark.parametrize("sent", [None, "", "short", "has spaces in it", 'quote"injection"01', "x" * 200])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, db, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = client.get("/healthz", **headers)

    returned = response["X-Request-ID"]
    assert returned != sent and len(returned) == 32 and int(returned, 16) >= 0


def test_two_requests_get_two_ids_and_none_is_left_bound_after_them(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert first != second
    assert current_request_id() == "-"


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task always publishes
def test_a_task_queued_during_a_request_carries_the_request_id_in_its_message():
    queue = f"tanzim-test-{uuid.uuid4().hex[:12]}"
    token = bind_request_id("edge-proxy-0077")
    try:
        with celery_app.connection_for_write() as conn:
            celery_app.send_task("tanzim.notify.tasks.deliver_pending", queue=queue, connection=conn)
    finally:
        unbind_request_id(token)
    with celery_app.connection_for_read() as conn:
        incoming = conn.SimpleQueue(queue)
        try:
            message = incoming.get(timeout=5)
            message.ack()
        finally:
            incoming.close()

    assert message.headers[TASK_HEADER] == "edge-proxy-0077"


def _request_id_seen() -> str:
    logging.getLogger("tanzim.tests").info("inside the task")
    return current_request_id()


# Each test reads an eager result with .get(disable_sync_subtasks=False): the result is already
# there, and Celery refuses a plain .get() once its process-wide "joins would block" flag is on,
# which an earlier test in the same PostgreSQL worker switched on (not yet found which): these tests
# then failed by test order.
_request_id_seen_by_a_task = celery_app.task(name="tanzim.common.tests.request_id_seen_by_a_task")(
    _request_id_seen
)


def test_a_task_runs_under_the_id_of_the_request_that_queued_it():
    seen = _request_id_seen_by_a_task.apply(headers={TASK_HEADER: "edge-proxy-0099"}).get(
        disable_sync_subtasks=False
    )

    assert seen == "edge-proxy-0099"
    assert current_request_id() == "-"


def test_a_task_run_inside_a_request_keeps_that_requests_id():
    token = bind_request_id("edge-proxy-0100")
    try:
        seen = _request_id_seen_by_a_task.apply().get(disable_sync_subtasks=False)
    finally:
        unbind_request_id(token)

    assert seen == "edge-proxy-0100"


def test_a_task_nobody_queued_from_a_request_gets_an_id_of_its_own():
    first = _request_id_seen_by_a_task.apply().get(disable_sync_subtasks=False)
    second = _request_id_seen_by_a_task.apply().get(disable_sync_subtasks=False)

    assert first != "-" and second != "-" and first != second
