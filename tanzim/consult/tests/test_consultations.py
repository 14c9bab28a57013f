"""Consultations: booking at a time or in writing, no double booking, payment at the remote price,
the answer by a licensed consultant only, the outcome, and the refund of late written questions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.consult.choices import ConsultationStatus
from tanzim.consult.models import Consultant, Consultation
from tanzim.consult.services import consultations as services
from tanzim.consult.tasks import refund_overdue_consultations
from tanzim.finance.models import Refund
from tanzim.offices.models import Licence
from tanzim.testing.consult import licensed_consultant, pay

pytestmark = pytest.mark.django_db
TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=TEHRAN)  # a Monday (weekday 0), 11 Khordad 1405
TEN = datetime(2026, 6, 1, 10, 0, tzinfo=TEHRAN)


@pytest.fixture(autouse=True)
def clock():
    """Frozen before the personas are made, so their roles are valid at the test's time."""
    traveller = time_machine.travel(NOW, tick=False)
    coordinates = traveller.start()
    yield coordinates
    traveller.stop()


@pytest.fixture
def consultant(personas) -> Consultant:
    return licensed_consultant(personas)


def book_video(personas, consultant, at=TEN) -> Consultation:
    return services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="video", question="چک برگشتی دارم", starts_at=at
    )


def test_a_booking_is_paid_at_the_remote_price_and_confirmed_by_the_payment(personas, consultant):
    consultation = book_video(personas, consultant)
    assert consultation.status == ConsultationStatus.AWAITING_PAYMENT
    assert consultation.price == 500_000  # the tariff's remote consultation line
    payment = pay(consultation, personas.citizen)
    assert payment.amount == 500_000
    assert consultation.status == ConsultationStatus.BOOKED and consultation.payment_id == payment.pk


def test_a_double_booking_of_a_consultant_is_refused(personas, consultant):
    book_video(personas, consultant)
    with pytest.raises(ConflictError) as refused:
        services.consultation_book(
            citizen=personas.other_citizen,
            consultant=consultant,
            mode="phone",
            question="سؤال",
            starts_at=TEN,
        )
    assert refused.value.code == "time_taken"
    assert Consultation.objects.count() == 1


def test_a_time_outside_the_consultants_windows_or_past_is_refused(personas, consultant):
    for at in (TEN.replace(hour=14), TEN.replace(minute=10), NOW - timedelta(hours=1)):
        with pytest.raises(DomainError):
            book_video(personas, consultant, at=at)


def test_the_consultant_answers_and_closes_with_an_outcome(personas, consultant):
    consultation = book_video(personas, consultant)
    pay(consultation, personas.citizen)
    answered = services.consultation_answer(
        consultation=consultation,
        actor=personas.consultant_a,
        advice="ظرف شش ماه شکایت کنید.",
        expected_status="booked",
    )
    assert answered.status == ConsultationStatus.ANSWERED
    assert "A0001" in answered.advised_under
    closed = services.consultation_close(
        consultation=answered, actor=personas.consultant_a, outcome="started_request"
    )
    assert closed.outcome == "started_request" and closed.closed_at is not None
    with pytest.raises(ConflictError):  # a stale second close
        services.consultation_close(
            consultation=closed,
            actor=personas.consultant_a,
            outcome="advice_given",
            expected_status="answered",
        )


def test_a_consultant_outside_their_office_licence_is_refused(personas, consultant):
    consultation = book_video(personas, consultant)
    pay(consultation, personas.citizen)
    Licence.objects.filter(office=personas.office_a, kind="consultation").update(
        valid_until=NOW.date() - timedelta(days=1)
    )
    with pytest.raises(PermissionDeniedError) as refused:
        services.consultation_answer(consultation=consultation, actor=personas.consultant_a, advice="x")
    assert refused.value.code == "consultant_not_licensed"
    for outsider in (personas.clerk_a, personas.clerk_b, personas.mediator_a):
        with pytest.raises(NotFoundError):
            services.consultation_answer(consultation=consultation, actor=outsider, advice="x")


def test_an_unlicensed_consultant_takes_no_bookings(personas):
    consultant = licensed_consultant(personas)
    Licence.objects.filter(office=personas.office_a).delete()
    with pytest.raises(DomainError) as refused:
        book_video(personas, consultant)
    assert refused.value.code == "consultant_unavailable"


def test_a_written_question_not_answered_in_time_is_refunded_by_the_task(personas, consultant, clock):
    consultation = services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="written", question="مهلت شکایت چک؟"
    )
    assert consultation.answer_due_at == NOW + timedelta(hours=48)
    pay(consultation, personas.citizen)
    clock.move_to(NOW + timedelta(hours=47))
    assert refund_overdue_consultations() == 0
    clock.move_to(NOW + timedelta(hours=49))
    with pytest.raises(ConflictError) as late:
        services.consultation_answer(consultation=consultation, actor=personas.consultant_a, advice="دیر")
    assert late.value.code == "consultation_expired"
    assert refund_overdue_consultations() == 1
    assert refund_overdue_consultations() == 0  # safe to run twice
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REFUNDED
    refund = Refund.objects.get(payment=consultation.payment)
    assert refund.amount == 500_000


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 200),
        ("consultant_a", 200),
        ("manager_a", 200),
        ("kanoon_admin", 200),
        ("other_citizen", 404),
        ("clerk_b", 404),
        ("clerk_a", 404),
        ("inspector", 404),
    ],
)
def test_who_reads_a_consultation(client, personas, consultant, persona, status):
    consultation = book_video(personas, consultant)
    client.force_login(getattr(personas, persona))
    response = client.get(reverse("consult:consultation", args=[consultation.reference]))
    assert response.status_code == status
    if status == 200:
        assert 'id="not-representation"' in response.content.decode()


def test_the_consultant_desk_lists_the_inbox_and_the_docket(client, personas, consultant):
    book_video(personas, consultant)
    written = services.consultation_book(
        citizen=personas.citizen, consultant=consultant, mode="written", question="س"
    )
    for c in Consultation.objects.all():
        pay(c, personas.citizen)
    client.force_login(personas.consultant_a)
    page = client.get(reverse("consult:desk")).content.decode()
    assert written.reference in page and 'id="docket"' in page
    figures = client.get(reverse("consult:figures"))
    assert figures.status_code == 404
    client.force_login(personas.manager_a)
    assert client.get(reverse("consult:figures")).status_code == 200


def test_booking_through_the_page_carries_nothing_lost_on_a_refusal(client, personas, consultant):
    client.force_login(personas.citizen)
    url = reverse("consult:book")
    page = client.get(url, {"consultant": consultant.pk})
    assert TEN.isoformat() in page.content.decode()
    refused = client.post(
        url, {"consultant": consultant.pk, "mode": "video", "question": "", "starts_at": TEN.isoformat()}
    )
    assert refused.status_code == 400
    done = client.post(
        url,
        {"consultant": consultant.pk, "mode": "video", "question": "سؤال من", "starts_at": TEN.isoformat()},
    )
    assert done.status_code == 302
    assert Consultation.objects.get().question == "سؤال من"
