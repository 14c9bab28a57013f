"""The client's address behind the reverse proxy (issue 13, defect 6): one helper for every limit."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from tanzim.common.http import client_ip

PROXY = "10.0.0.2"


def request(**meta):
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **meta)


def test_without_a_configured_header_the_peer_address_is_the_client(settings):
    settings.CLIENT_IP_HEADER = ""

    assert client_ip(request(HTTP_X_FORWARDED_FOR="203.0.113.7")) == PROXY


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 1

    assert client_ip(request(HTTP_X_FORWARDED_FOR="203.0.113.7")) == "203.0.113.7"


def test_an_address_the_client_wrote_into_the_header_itself_is_not_believed(settings):
    """A guesser cannot spread over fresh 'addresses' by sending X-Forwarded-For of its own."""
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 1

    assert client_ip(request(HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_outer_ones_entry_is_the_client(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 2

    assert client_ip(request(HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"


@pytest.mark.parametrize("header", ["", "not-an-address", "300.1.1.1", " , "])
def test_a_missing_or_malformed_header_falls_back_to_the_peer(settings, header):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 1

    assert client_ip(request(HTTP_X_FORWARDED_FOR=header)) == PROXY


def test_an_ipv6_client_is_written_in_one_canonical_form(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"

    assert client_ip(request(HTTP_X_REAL_IP="2001:DB8:0:0::1")) == "2001:db8::1"
