"""Sign-in code limits behind a carrier's address (docs/abroad.md): one address serving many people
is not locked out, while one national code (the target) and one browser are still limited, and a
flood from one address still stops at its (large) bucket."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tanzim.accounts import services
from tanzim.common.errors import RateLimitedError
from tanzim.notify.models import Message
from tanzim.testing.factories import next_national_code

pytestmark = pytest.mark.django_db
CARRIER_IP = "100.64.0.1"  # a carrier-grade NAT address


def test_one_carrier_address_serving_many_people_is_not_locked_out(personas, settings):
    # Before: the address allowed 20 × the per-person limit (100 an hour) for the whole carrier.
    for _ in range(150):
        services.otp_request(national_code=next_national_code(), mobile="+4915123456789", ip=CARRIER_IP)
    user = personas.citizen
    services.otp_request(national_code=user.national_code, mobile=user.mobile, ip=CARRIER_IP)
    assert Message.objects.filter(to=user.mobile).exists()


def test_a_single_target_is_still_limited_from_many_addresses(personas, settings):
    user = personas.citizen
    for n in range(settings.OTP_REQUESTS_PER_HOUR):
        services.otp_request(national_code=user.national_code, mobile=user.mobile, ip=f"100.64.1.{n}")
    with pytest.raises(RateLimitedError):
        services.otp_request(national_code=user.national_code, mobile=user.mobile, ip="100.64.9.9")
    assert Message.objects.filter(to=user.mobile).count() == settings.OTP_REQUESTS_PER_HOUR


def test_one_browser_is_limited_across_national_codes(personas):
    for _ in range(services.OTP_DEVICE_REQUESTS_PER_HOUR):
        services.otp_request(
            national_code=next_national_code(), mobile="+15145550100", ip=CARRIER_IP, device="d1"
        )
    with pytest.raises(RateLimitedError):
        services.otp_request(
            national_code=next_national_code(), mobile="+15145550100", ip=CARRIER_IP, device="d1"
        )
    # Another person's phone behind the same address is not affected.
    services.otp_request(
        national_code=next_national_code(), mobile="+15145550100", ip=CARRIER_IP, device="d2"
    )


def test_a_flood_from_one_address_still_stops_at_its_bucket(personas, settings):
    settings.OTP_IP_REQUESTS_PER_HOUR = 30
    for _ in range(30):
        services.otp_request(national_code=next_national_code(), mobile="+4915123456789", ip="203.0.113.5")
    with pytest.raises(RateLimitedError):
        services.otp_request(national_code=next_national_code(), mobile="+4915123456789", ip="203.0.113.5")


def test_the_sign_in_page_gives_the_browser_a_device_cookie_and_counts_it(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=CARRIER_IP)
    page = client.get(reverse("web:otp-request"))
    assert page.status_code == 200 and "tanzim_device" in page.cookies
    for _ in range(services.OTP_DEVICE_REQUESTS_PER_HOUR):
        client.post(
            reverse("web:otp-request"), {"national_code": next_national_code(), "mobile": "+4915123456789"}
        )
    limited = client.post(
        reverse("web:otp-request"), {"national_code": next_national_code(), "mobile": "+4915123456789"}
    )
    assert limited.status_code != 302  # refused on the page: no code sent, no step to the code form
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=CARRIER_IP)  # a second phone on the carrier
    other.get(reverse("web:otp-request"))
    ok = other.post(
        reverse("web:otp-request"), {"national_code": next_national_code(), "mobile": "+4915123456789"}
    )
    assert ok.status_code == 302
