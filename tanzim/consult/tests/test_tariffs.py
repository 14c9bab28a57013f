"""The tariff lines of consultation (by the call's length) and of drafting advice (by the
document), and the booking priced by them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tanzim.catalog.models import Service, Tariff
from tanzim.common.errors import ConflictError, DomainError
from tanzim.consult import services as drafting
from tanzim.consult.models import Consultation, DraftRun
from tanzim.consult.selectors import interview_version_for_run
from tanzim.consult.services import consultations as services
from tanzim.testing.consult import licensed_consultant, pay

pytestmark = pytest.mark.django_db
TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=TEHRAN)  # a Monday
TEN = datetime(2026, 6, 1, 10, 0, tzinfo=TEHRAN)


@pytest.fixture(autouse=True)
def clock():
    traveller = time_machine.travel(NOW, tick=False)
    traveller.start()
    yield
    traveller.stop()


def test_the_tariff_has_a_line_per_length_and_per_document():
    for code in (
        "consultation",
        "consultation_60",
        "drafting_advice_notice",
        "drafting_advice_petition",
        "drafting_advice_complaint",
        "drafting_advice_brief",
    ):
        service = Service.objects.get(code=code)
        assert service.channels == ["remote"] and service.licence_required == "consultation"
        assert Tariff.objects.filter(service=service).exists()


def test_an_hour_costs_the_hour_line_and_holds_both_half_hours(personas):
    consultant = licensed_consultant(personas)
    hour = services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="video", question="س", starts_at=TEN, minutes=60
    )
    assert hour.service_code == "consultation_60" and hour.price == 900_000
    assert hour.ends_at - hour.starts_at == timedelta(minutes=60)
    assert pay(hour, personas.citizen).amount == 900_000
    free = services.open_times(consultant=consultant, days=1)
    assert TEN not in free and TEN + timedelta(minutes=30) not in free and TEN + timedelta(hours=1) in free
    with pytest.raises(ConflictError) as refused:  # the second half hour is taken
        services.consultation_book(
            citizen=personas.other_citizen,
            consultant=consultant,
            mode="phone",
            question="س",
            starts_at=TEN + timedelta(minutes=30),
        )
    assert refused.value.code == "time_taken"
    with pytest.raises(DomainError):  # an hour from 11:30 runs past the window's 12:00
        services.consultation_book(
            citizen=personas.other_citizen,
            consultant=consultant,
            mode="video",
            question="س",
            starts_at=TEN + timedelta(minutes=90),
            minutes=60,
        )
    with pytest.raises(DomainError) as bad:
        services.consultation_book(
            citizen=personas.other_citizen,
            consultant=consultant,
            mode="video",
            question="س",
            starts_at=TEN,
            minutes=45,
        )
    assert bad.value.code == "bad_duration"
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    ("slug", "code", "price"),
    [
        ("formal-notice", "drafting_advice_notice", 450_000),
        ("cheque-complaint", "drafting_advice_complaint", 630_000),
        ("brief", "drafting_advice_brief", 800_000),
    ],
)
def test_a_review_is_priced_by_the_document(personas, slug, code, price):
    consultant = licensed_consultant(personas)
    run = drafting.draft_start(version=interview_version_for_run(slug=slug), user=personas.citizen)
    DraftRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    run.refresh_from_db()
    consultation = services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="written", question="بررسی", draft=run
    )
    assert consultation.service_code == code and consultation.price == price


def test_the_booking_page_shows_the_price_of_the_length_chosen(client, personas):
    consultant = licensed_consultant(personas)
    client.force_login(personas.citizen)
    half = client.get(reverse("consult:book"), {"consultant": consultant.pk}).content.decode()
    hour = client.get(
        reverse("consult:book"), {"consultant": consultant.pk, "minutes": "60"}
    ).content.decode()
    assert "۵۰۰٬۰۰۰" in half or "500,000" in half
    assert "۹۰۰٬۰۰۰" in hour or "900,000" in hour
    assert (TEN + timedelta(minutes=90)).isoformat() in half  # 11:30 for half an hour
    assert (TEN + timedelta(minutes=90)).isoformat() not in hour  # an hour from 11:30 does not fit
    done = client.post(
        reverse("consult:book"),
        {
            "consultant": consultant.pk,
            "minutes": "60",
            "mode": "video",
            "question": "س",
            "starts_at": TEN.isoformat(),
        },
    )
    assert done.status_code == 302 and Consultation.objects.get().price == 900_000
