"""SMS to citizens who asked to hear of free service days in their area (double opt-in)."""

import logging

import pytest
from django.urls import reverse

from tanzim.audit.models import AuditEvent
from tanzim.common.errors import DomainError, NotFoundError
from tanzim.notify.models import Message
from tanzim.offices.models import City
from tanzim.outreach.models import AreaSubscription
from tanzim.outreach.services import subscriptions as subs
from tanzim.testing import outreach as h

pytestmark = pytest.mark.django_db

SBL = "SBL-05"  # the helpers' missions are held in this county


def _subscribe(phone, *, county=SBL, whole_province=False, confirm=True):
    city = City.objects.get(code=county)
    sub = subs.subscription_request(
        phone=phone, province=city.province, county=None if whole_province else city, consent=True
    )
    if confirm:
        sub = subs.subscription_confirm(token=sub.token)
    return sub


def _announcements():
    return Message.objects.filter(template="outreach.mission_announced")


def test_asking_sends_one_confirmation_and_asking_again_sends_nothing_more(personas):
    sub = _subscribe("09121234567", confirm=False)
    again = _subscribe("۰۹۱۲۱۲۳۴۵۶۷", confirm=False)
    assert again.pk == sub.pk
    assert sub.phone == "+989121234567"
    confirmations = Message.objects.filter(template="outreach.subscription_confirm")
    assert confirmations.count() == 1
    assert sub.token in confirmations.get().body
    assert sub.consent_text and sub.confirmed_at is None and not sub.active


def test_approval_sends_one_sms_to_each_confirmed_number_of_the_area(personas):
    county_sub = _subscribe("09121234567")
    _subscribe("09121234567", whole_province=True)  # the same number twice: still one SMS
    _subscribe("09351112233", whole_province=True)
    _subscribe("09190000001", confirm=False)  # never confirmed: nothing
    stopped = _subscribe("09190000002")
    subs.subscription_stop(token=stopped.token)
    other_county = City.objects.filter(province__code="SBL").exclude(code=SBL).first()
    _subscribe("09190000003", county=other_county.code)  # same province, another county: nothing
    _subscribe("09190000004", county="KRD-03")  # another province: nothing

    mission = h.approved(personas)

    sent = _announcements()
    assert sorted(sent.values_list("to", flat=True)) == ["+989121234567", "+989351112233"]
    body = sent.get(to="+989121234567").body
    assert mission.place in body
    assert f"{reverse('outreach:subscription')}?t={county_sub.token}" in body
    event = AuditEvent.objects.filter(action="outreach.mission.announced").get()
    assert event.data == {"messages": 2}

    # Announcing again (a retried approval path) writes no second message to anyone.
    assert subs.mission_announce(mission=mission) == 2
    assert _announcements().count() == 2


def test_no_phone_number_in_the_audit_trail_or_the_logs(personas, caplog):
    caplog.set_level(logging.DEBUG)
    sub = _subscribe("09121234567")
    h.approved(personas)
    subs.subscription_stop(token=sub.token)
    events = AuditEvent.objects.filter(action__startswith="outreach.")
    assert events.filter(action="outreach.subscription.confirmed").exists()
    for event in events:
        assert "9121234567" not in str(event.data)
    assert "9121234567" not in caplog.text


def test_bad_input_is_refused_with_its_field_and_nothing_is_written(personas):
    city = City.objects.get(code=SBL)
    elsewhere = City.objects.get(code="KRD-03")
    with pytest.raises(DomainError) as err:
        subs.subscription_request(phone="021-1234", province=city.province, county=elsewhere, consent=False)
    assert set(err.value.fields) == {"phone", "county", "consent"}
    assert not AreaSubscription.objects.exists()
    assert not Message.objects.exists()


def test_stop_by_link_or_by_reply_and_asking_again_needs_a_new_confirmation(personas):
    sub = _subscribe("09121234567")
    subs.subscription_stop(token=sub.token)
    subs.subscription_stop(token=sub.token)  # twice is once
    assert AuditEvent.objects.filter(action="outreach.subscription.stopped").count() == 1
    again = _subscribe("09121234567", confirm=False)
    assert again.pk == sub.pk and again.token != sub.token and not again.active
    with pytest.raises(NotFoundError):
        subs.subscription_confirm(token=sub.token)  # the old link no longer confirms
    subs.subscription_confirm(token=again.token)
    assert subs.subscription_stop_by_phone(phone="+989121234567") == 1
    h.approved(personas)
    assert not _announcements().exists()


def test_the_public_page_signs_up_and_the_link_confirms_and_stops(client, personas):
    city = City.objects.get(code=SBL)
    page = client.get(reverse("outreach:near"))
    assert page.status_code == 200
    refused = client.post(
        reverse("outreach:near"), {"phone": "123", "province": city.province.code, "county": city.code}
    )
    assert refused.status_code == 200
    assert "error-summary" in refused.content.decode()
    assert not AreaSubscription.objects.exists()
    done = client.post(
        reverse("outreach:near"),
        {"phone": "09121234567", "province": city.province.code, "county": city.code, "consent": "on"},
    )
    assert done.status_code == 302
    sub = AreaSubscription.objects.get()
    link = f"{reverse('outreach:subscription')}?t={sub.token}"
    assert 'data-state="waiting"' in client.get(link).content.decode()
    client.post(reverse("outreach:subscription"), {"t": sub.token, "action": "confirm"})
    assert 'data-state="active"' in client.get(link).content.decode()
    client.post(reverse("outreach:subscription"), {"t": sub.token, "action": "stop"})
    assert 'data-state="stopped"' in client.get(link).content.decode()
    assert client.get(reverse("outreach:subscription") + "?t=nope").status_code == 404
    assert client.get(reverse("outreach:subscription")).status_code == 404
