"""Limits on payment callbacks punish only forgers (issue 13, defect 6).

Thirty refused callbacks from one address used to block the bank's genuine ones, and behind the
reverse proxy every callback shares one address. Now the signature is verified before anything
is counted, a correctly signed callback is never limited, and unsigned ones count against the
client's real address as the proxy reports it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanzim.finance.api import REFUSED_LIMIT
from tanzim.finance.choices import PaymentStatus
from tanzim.testing.finance import gateway_callback

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 1


def post(client, payload, signature, *, client_address):
    return client.post(
        reverse("api:payment-callback"),
        payload,
        content_type="application/json",
        HTTP_X_GATEWAY_SIGNATURE=signature,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
    )


def test_a_flood_of_forgeries_never_blocks_the_banks_signed_callback(client, make_payment, behind_proxy):
    payment = make_payment()
    payload, signature = gateway_callback(payment)
    for n in range(REFUSED_LIMIT + 5):
        post(client, payload, f"{n:064x}", client_address="198.51.100.9")

    genuine = post(client, payload, signature, client_address="198.51.100.9")

    assert genuine.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED


def test_forgeries_count_against_the_forgers_address_not_the_proxys(client, make_payment, behind_proxy):
    payload, _signature = gateway_callback(make_payment())
    statuses = [
        post(client, payload, f"{n:064x}", client_address="198.51.100.9").status_code
        for n in range(REFUSED_LIMIT + 1)
    ]

    other_client = post(client, payload, "f" * 64, client_address="192.0.2.44")

    assert statuses[-1] == 429 and set(statuses[:-1]) == {400}
    assert (other_client.status_code, other_client.json()["code"]) == (400, "invalid_signature")


def test_signed_callbacks_refused_for_their_content_are_never_counted(client, make_payment, behind_proxy):
    """A signed callback the service refuses (a replay, another amount) is the bank's, not a forger's."""
    payment = make_payment()
    payload, signature = gateway_callback(payment)
    assert post(client, payload, signature, client_address="198.51.100.9").status_code == 200
    for _n in range(REFUSED_LIMIT + 5):
        replay = post(client, payload, signature, client_address="198.51.100.9")
        assert replay.status_code == 200

    forged = post(client, payload, "e" * 64, client_address="198.51.100.9")

    assert forged.status_code == 400


def test_the_payers_return_through_the_browser_is_never_limited_when_signed(
    client, make_payment, behind_proxy
):
    payment = make_payment()
    payload, signature = gateway_callback(payment)
    url = reverse("finance:gateway-return")
    for n in range(REFUSED_LIMIT + 5):
        client.post(
            url, {**payload, "signature": f"{n:064x}"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.9"
        )

    response = client.post(
        url, {**payload, "signature": signature}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.9"
    )

    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
