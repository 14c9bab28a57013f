"""A citizen's whole journey, with every logger at DEBUG, writes no national code, mobile or OTP.

The output is read where an operator reads it: from the site's own console handler (its
request-id and masking filters, its formatter), switched to a buffer for the test.
"""

from __future__ import annotations

import io
import json
import logging
import re
from contextlib import contextmanager

import pytest
from django.urls import reverse

from tanzim.common.logs import JsonFormatter
from tanzim.testing.accounts import latest_code
from tanzim.testing.cases import RESPONDENT_CODE

pytestmark = pytest.mark.django_db

MOBILE = "+989121234567"


@contextmanager
def site_logs_at_debug():
    """Everything the site's console handler writes, as JSON (a production site's format; the
    embedded mode's plain line goes through the same filters), while every logger is at DEBUG."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    previous_stream, previous_format = handler.setStream(buffer), handler.formatter
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
        handler.setStream(previous_stream)
        handler.setFormatter(previous_format)


def every_form_of(digits: str) -> set[str]:
    persian = digits.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    return {digits, persian}


def test_sign_in_with_an_otp_a_request_and_a_payment_callback_log_no_national_code_mobile_or_otp(
    client, personas
):
    citizen = personas.citizen
    citizen.mobile = MOBILE
    citizen.save(update_fields=["mobile"])

    with site_logs_at_debug() as logs:
        # Sign in with a one-time code sent by SMS (the national code typed with Persian digits).
        persian_code = citizen.national_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        asked = client.post(
            reverse("web:otp-request"), {"national_code": persian_code, "mobile": "09121234567"}
        )
        otp = latest_code(citizen)
        wrong = client.post(reverse("web:otp-verify"), {"code": "000000" if otp != "000000" else "111111"})
        signed_in = client.post(reverse("web:otp-verify"), {"code": otp})

        # A request: a draft naming the other party by national code, then submitted.
        case = client.post(
            reverse("api:case-list"),
            {
                "service": "civil_petition",
                "channel": "semi_in_person",
                "office": "A0001",
                "title": "مطالبه وجه",
            },
            content_type="application/json",
        )
        case_id = case.json()["id"]
        party = client.post(
            reverse("api:case-parties", args=[case_id]),
            {"role": "respondent", "name": "بهرام", "national_code": RESPONDENT_CODE},
            content_type="application/json",
        )
        # A mistyped address carrying personal data: Django logs every 404 with its path.
        missing = client.get(f"/offices/{citizen.national_code}/{MOBILE}/")

        # A payment at the simulated bank, and the bank's signed callback to the API.
        payment = client.post(
            "/api/v1/payments/",
            {
                "office": "A0001",
                "service": "civil_petition",
                "channel": "in_person",
                "extra_parties": 0,
                "extra_pages": 1,
                "court_fee": 400_000,
                "reference_id": f"case-{case_id}",
            },
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="journey-000001",
        )
        bank_page = client.post(payment.json()["redirect_url"], {"action": "pay"})
        signed = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', bank_page.content.decode()))
        callback = client.post("/api/v1/payments/callback/", signed, content_type="application/json")

    assert asked.status_code == 302 and wrong.status_code == 200 and signed_in.status_code == 302
    assert case.status_code == 201 and party.status_code == 201 and missing.status_code == 404
    assert payment.status_code == 201 and callback.status_code == 200, callback.content
    assert callback.json()["status"] == "captured"

    written = logs.getvalue()
    entries = [json.loads(line) for line in written.splitlines()]
    # The journey was logged (every request, the 404 with its path, under request ids) …
    assert len(entries) >= 8
    assert any(e["logger"] == "django.request" and "Not Found" in e["message"] for e in entries)
    assert all(e["request_id"] != "-" for e in entries if e["logger"] == "tanzim.request")
    # … and nothing in it identifies the citizen or the other party, or opens the account.
    forbidden = (
        every_form_of(citizen.national_code)
        | every_form_of(RESPONDENT_CODE)
        | every_form_of("9121234567")
        | every_form_of("912 123 4567")
        | {otp}
    )
    for secret in forbidden:
        assert secret not in written, f"{secret!r} reached the log"
