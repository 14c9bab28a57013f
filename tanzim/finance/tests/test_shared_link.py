"""The shared payment link: a person abroad sends it to a relative in Iran, who pays without an account.
Signed and expiring; one payment only; two people opening it → one capture; the payer's name in the
audit data; the owner sees it paid."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tanzim.audit.models import AuditEvent
from tanzim.finance.choices import PaymentStatus
from tanzim.finance.views import SHARED_LINK_SECONDS, shared_link_token

pytestmark = pytest.mark.django_db


def _bank_pays(client, url: str):
    """On the simulated bank's page: pay, then follow the bank's signed return."""
    redirect = client.post(url, {"action": "pay"}).content.decode()
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', redirect))
    return client.post(reverse("finance:gateway-return"), fields)


def test_the_owner_gets_a_link_and_a_relative_pays_without_an_account(client, personas, make_payment):
    payment = make_payment()
    client.force_login(personas.citizen)
    own = client.get(reverse("finance:payment", kwargs={"ref": payment.uuid})).content.decode()
    assert reverse("finance:payment-share", kwargs={"ref": payment.uuid}) in own  # found from the payment
    page = client.get(reverse("finance:payment-share", kwargs={"ref": payment.uuid})).content.decode()
    link = re.search(r'id="shared-link"[^>]*value="([^"]+)"', page).group(1)
    client.logout()

    relative = client.get(link)
    assert relative.status_code == 200 and "id_payer_name" in relative.content.decode()
    empty = client.post(link, {"payer_name": " "})
    assert empty.status_code == 400
    to_bank = client.post(link, {"payer_name": "Reza Karimi"})
    assert to_bank.status_code == 302
    back = _bank_pays(client, to_bank["Location"])
    assert back["Location"] == link.replace("http://testserver", "")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    event = AuditEvent.objects.get(action="finance.payment.shared_link_used")
    assert event.data["payer_name"] == "Reza Karimi"
    assert 'id="shared-paid"' in client.get(link).content.decode()

    client.force_login(personas.citizen)  # the owner sees it paid
    owner = client.get(reverse("finance:payment-share", kwargs={"ref": payment.uuid})).content.decode()
    assert 'id="shared-paid"' in owner


def test_two_relatives_opening_the_link_make_one_capture(client, personas, make_payment):
    from django.test import Client

    payment = make_payment()
    link = reverse("finance:shared-pay", kwargs={"token": shared_link_token(payment)})
    first, second = Client(), Client()
    bank_one = first.post(link, {"payer_name": "Reza Karimi"})["Location"]
    bank_two = second.post(link, {"payer_name": "Maryam Karimi"})["Location"]
    assert bank_one == bank_two  # one gateway session for the one payment
    _bank_pays(first, bank_one)
    _bank_pays(second, bank_two)  # the bank repeats its final answer: no second capture
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    late = second.post(link, {"payer_name": "Ali"})
    assert late.status_code == 400  # already paid: a clear refusal, nothing taken
    assert (
        AuditEvent.objects.filter(action="finance.payment.captured", object_id=str(payment.pk)).count() == 1
    )
    names = set(
        AuditEvent.objects.filter(action="finance.payment.shared_link_used").values_list(
            "data__payer_name", flat=True
        )
    )
    assert names == {"Reza Karimi", "Maryam Karimi"}


def test_a_forged_altered_or_expired_link_is_a_404(client, personas, make_payment):
    payment = make_payment()
    token = shared_link_token(payment)
    assert client.get(reverse("finance:shared-pay", kwargs={"token": token[:-2] + "xx"})).status_code == 404
    assert client.get(reverse("finance:shared-pay", kwargs={"token": "nonsense"})).status_code == 404
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=SHARED_LINK_SECONDS + 60)):
        assert client.get(reverse("finance:shared-pay", kwargs={"token": token})).status_code == 404


def test_only_the_payer_gets_the_link(client, personas, make_payment):
    payment = make_payment()
    for other in (personas.other_citizen, personas.clerk_a):
        client.force_login(other)
        assert client.get(reverse("finance:payment-share", kwargs={"ref": payment.uuid})).status_code == 404
