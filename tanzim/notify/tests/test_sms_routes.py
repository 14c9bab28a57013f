"""SMS to people abroad: a provider per country, and the e-mail when an SMS cannot arrive."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError

from tanzim.notify.backends import DeliveryError
from tanzim.notify.choices import Channel, MessageStatus
from tanzim.notify.models import Message, SmsRoute
from tanzim.notify.services import message_deliver, message_enqueue, route_for
from tanzim.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


class DefaultBackend:
    sent: list[str] = []

    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        self.sent.append(to)
        return "default"


class GermanBackend:
    sent: list[str] = []

    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        self.sent.append(to)
        return "german"


class BrokenBackend:
    def send_sms(self, *, to: str, body: str, idempotency_key: str) -> str:
        raise DeliveryError("not delivered to this network")


@pytest.fixture(autouse=True)
def backends(settings):
    DefaultBackend.sent, GermanBackend.sent = [], []
    settings.SMS_BACKEND = f"{__name__}.DefaultBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _message(to: str, email: str = "sara@example.org") -> Message:
    person = UserFactory(mobile=to, email=email, preferred_language="en")
    return message_enqueue(template="accounts.locked", to=to, recipient=person, context={"minutes": 15})


def test_a_country_without_a_route_uses_the_default_provider():
    message = _message("+4915123456789")
    assert route_for("+4915123456789") is None
    assert message_deliver(message_id=message.pk) == MessageStatus.SENT
    assert DefaultBackend.sent == ["+4915123456789"]


def test_a_country_route_names_its_provider():
    SmsRoute.objects.create(calling_code=49, backend=f"{__name__}.GermanBackend")
    german, iranian = _message("+4915123456789"), _message("+989121234567", email="")
    message_deliver(message_id=german.pk)
    message_deliver(message_id=iranian.pk)
    german.refresh_from_db()
    assert german.provider_ref == "german" and GermanBackend.sent == ["+4915123456789"]
    assert DefaultBackend.sent == ["+989121234567"]


def test_a_country_sms_cannot_reach_gets_the_message_by_email(django_capture_on_commit_callbacks):
    SmsRoute.objects.create(calling_code=1, sms_enabled=False, email_fallback=True, note="carrier filters")
    message = _message("+14165550199")
    with django_capture_on_commit_callbacks(execute=True):
        assert message_deliver(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.last_error == "no SMS route to +1; sent by e-mail"
    copy = Message.objects.get(channel=Channel.EMAIL)
    assert copy.to == "sara@example.org" and copy.body == message.body and copy.status == MessageStatus.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sara@example.org"]
    assert DefaultBackend.sent == []


def test_without_an_email_the_failure_is_recorded_plainly():
    SmsRoute.objects.create(calling_code=1, sms_enabled=False, email_fallback=True)
    message = _message("+14165550199", email="")
    assert message_deliver(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.last_error == "no SMS route to +1; no e-mail"
    assert not Message.objects.filter(channel=Channel.EMAIL).exists()


def test_an_sms_that_finally_fails_goes_to_the_email_once(settings):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    SmsRoute.objects.create(calling_code=49, backend=f"{__name__}.BrokenBackend")
    message = _message("+4915123456789")
    assert message_deliver(message_id=message.pk) == MessageStatus.FAILED
    assert message_deliver(message_id=message.pk) == MessageStatus.FAILED  # a second sweep: nothing more
    assert Message.objects.filter(channel=Channel.EMAIL, to="sara@example.org").count() == 1


def test_a_route_may_refuse_the_email_fallback(settings):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    SmsRoute.objects.create(calling_code=49, backend=f"{__name__}.BrokenBackend", email_fallback=False)
    message = _message("+4915123456789")
    message_deliver(message_id=message.pk)
    assert not Message.objects.filter(channel=Channel.EMAIL).exists()


def test_a_route_that_reaches_nobody_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        SmsRoute.objects.create(calling_code=44, sms_enabled=False, email_fallback=False)


def test_a_calling_code_has_one_route():
    SmsRoute.objects.create(calling_code=44)
    with pytest.raises(IntegrityError):
        SmsRoute.objects.create(calling_code=44)
