"""Booking a slot: the rules, the bad inputs, and the SMS that confirms it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tanzim.accounts.choices import Role
from tanzim.audit.models import AuditEvent
from tanzim.common.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from tanzim.notify.models import Message
from tanzim.offices.models import Licence
from tanzim.scheduling.choices import AppointmentStatus, SlotStatus
from tanzim.scheduling.models import Appointment, Slot
from tanzim.scheduling.services import appointment_book, slots_generate
from tanzim.testing.factories import CitizenFactory, give_role
from tanzim.testing.scheduling import at, book, slot_at

pytestmark = pytest.mark.django_db


def test_a_citizen_books_a_free_slot_and_takes_one_place(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    appointment = book(slotted.citizen, slot, service)
    slot.refresh_from_db()
    assert slot.booked == 1
    assert appointment.status == AppointmentStatus.BOOKED
    assert (appointment.start, appointment.end) == (at(1, 9), at(1, 9, 15))
    assert appointment.citizen == appointment.booked_by == slotted.citizen
    assert len(appointment.reference) == 8


def test_the_confirmation_sms_shows_the_jalali_date_and_time_in_persian(slotted, service):
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9, 30)), service)
    message = Message.objects.get(dedupe_key=f"scheduling:appointment:{appointment.pk}:confirmed")
    assert message.to == slotted.citizen.mobile
    assert "یکشنبه ۲۹ آذر ۱۴۰۵ ساعت ۰۹:۳۰" in message.body
    assert appointment.reference in message.body


def test_an_english_speaker_gets_the_sms_in_english_with_the_jalali_date(slotted, service):
    slotted.citizen.preferred_language = "en"
    slotted.citizen.save()
    appointment = book(slotted.citizen, slot_at(slotted.office_a, at(1, 9, 30)), service)
    body = Message.objects.get(dedupe_key=f"scheduling:appointment:{appointment.pk}:confirmed").body
    assert "Sunday 29 Azar 1405, 09:30" in body
    assert "Office A" in body


def test_a_service_longer_than_a_unit_takes_consecutive_units(slotted, long_service):
    first = slot_at(slotted.office_a, at(1, 9))
    appointment = book(slotted.citizen, first, long_service)
    assert appointment.units == 2
    assert appointment.end == at(1, 9, 30)
    booked = dict(
        Slot.objects.filter(office=slotted.office_a, start__in=[at(1, 9), at(1, 9, 15)]).values_list(
            "start", "booked"
        )
    )
    assert set(booked.values()) == {1}


def test_a_long_service_does_not_fit_right_before_closing(slotted, long_service):
    with pytest.raises(DomainError) as exc:
        book(slotted.citizen, slot_at(slotted.office_a, at(1, 15, 45)), long_service)
    assert exc.value.code == "service_does_not_fit"
    assert not Appointment.objects.exists()


def test_a_full_slot_is_a_conflict_and_nothing_is_written(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    book(slotted.citizen, slot, service)
    book(slotted.other_citizen, slot, service)
    third = CitizenFactory()
    with pytest.raises(ConflictError) as exc:
        book(third, slot, service)
    assert exc.value.code == "slot_taken"
    slot.refresh_from_db()
    assert slot.booked == slot.bookable == 2
    assert Appointment.objects.filter(slot=slot).count() == 2


def test_a_long_service_rolls_back_the_first_unit_when_the_second_is_full(slotted, long_service, service):
    second = slot_at(slotted.office_a, at(1, 9, 15))
    book(slotted.citizen, second, service)
    book(slotted.other_citizen, second, service)
    with pytest.raises(ConflictError):
        book(CitizenFactory(), slot_at(slotted.office_a, at(1, 9)), long_service)
    assert slot_at(slotted.office_a, at(1, 9)).booked == 0


def test_a_past_slot_is_refused(slotted, service, clock):
    slot = slot_at(slotted.office_a, at(1, 9))
    clock.move_to(at(1, 9, 5))
    with pytest.raises(DomainError) as exc:
        book(slotted.citizen, slot, service)
    assert exc.value.code == "slot_past"


def test_a_slot_starting_within_the_lead_time_is_refused(slotted, service, clock):
    slot = slot_at(slotted.office_a, at(1, 9))
    clock.move_to(at(1, 8, 45))
    with pytest.raises(DomainError) as exc:
        book(slotted.citizen, slot, service)
    assert exc.value.code == "slot_too_soon"


def test_a_closed_slot_is_refused(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    Slot.objects.filter(pk=slot.pk).update(status=SlotStatus.CLOSED)
    with pytest.raises(ConflictError) as exc:
        book(slotted.citizen, slot, service)
    assert exc.value.code == "slot_closed"


def test_there_are_no_slots_to_book_on_a_holiday(slotted):
    assert not Slot.objects.filter(start__gte=at(4, 0), start__lt=at(5, 0)).exists()


def test_an_unknown_slot_id_is_not_found(slotted, service):
    with pytest.raises(NotFoundError):
        appointment_book(actor=slotted.citizen, slot_id=987654321, service=service)
    with pytest.raises(NotFoundError):
        appointment_book(actor=slotted.citizen, slot_id="not-a-number", service=service)


def test_a_slot_of_another_office_than_the_one_named_is_refused(slotted, service):
    foreign = slot_at(slotted.office_b, at(1, 9))
    with pytest.raises(DomainError) as exc:
        appointment_book(actor=slotted.citizen, slot_id=foreign.pk, service=service, office=slotted.office_a)
    assert exc.value.code == "slot_office_mismatch"


def test_an_office_without_the_licence_cannot_take_the_service(slotted, service):
    from tanzim.catalog.models import Service

    licensed_service = Service.objects.create(
        code="mediation_intake",
        name_fa="پذیرش میانجیگری",
        name_en="Mediation intake",
        category="advice",
        in_person=True,
        licence_required="consultation",
        duration_minutes=15,
    )
    slot = slot_at(slotted.office_a, at(1, 9))
    with pytest.raises(DomainError) as exc:
        book(slotted.citizen, slot, licensed_service)
    assert exc.value.code == "office_not_licensed"
    Licence.objects.create(office=slotted.office_a, kind="consultation", valid_from=at(0, 0).date())
    assert book(slotted.citizen, slot, licensed_service).office == slotted.office_a


def test_a_remote_only_service_needs_no_visit(slotted, remote_only):
    with pytest.raises(DomainError) as exc:
        book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), remote_only)
    assert exc.value.code == "service_remote_only"


def test_a_booking_beyond_the_window_is_refused(slotted, service, settings):
    slot = slot_at(slotted.office_a, at(14, 9))
    settings.SCHEDULING_HORIZON_DAYS = 7
    with pytest.raises(DomainError) as exc:
        book(slotted.citizen, slot, service)
    assert exc.value.code == "outside_booking_window"


def test_a_citizen_cannot_hold_more_than_the_allowed_active_bookings(slotted, service, settings):
    settings.SCHEDULING_MAX_ACTIVE_BOOKINGS = 3
    for hour in (9, 10, 11):
        book(slotted.citizen, slot_at(slotted.office_a, at(1, hour)), service)
    with pytest.raises(ConflictError) as exc:
        book(slotted.citizen, slot_at(slotted.office_a, at(1, 12)), service)
    assert exc.value.code == "too_many_bookings"
    assert Appointment.objects.filter(citizen=slotted.citizen).count() == 3


def test_a_citizen_cannot_be_in_two_places_at_once(slotted, service):
    book(slotted.citizen, slot_at(slotted.office_a, at(1, 9)), service)
    with pytest.raises(ConflictError) as exc:
        book(slotted.citizen, slot_at(slotted.office_b, at(1, 9)), service)
    assert exc.value.code == "overlapping_booking"


def test_the_same_idempotency_key_returns_the_same_appointment(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    first = appointment_book(
        actor=slotted.citizen, slot_id=slot.pk, service=service, idempotency_key="key-12345678"
    )
    again = appointment_book(
        actor=slotted.citizen, slot_id=slot.pk, service=service, idempotency_key="key-12345678"
    )
    assert first.created and not again.created
    assert again.appointment.pk == first.appointment.pk
    slot.refresh_from_db()
    assert slot.booked == 1
    assert Message.objects.filter(template="scheduling.confirmed").count() == 1


def test_reusing_an_idempotency_key_for_another_slot_is_a_conflict(slotted, service):
    appointment_book(
        actor=slotted.citizen,
        slot_id=slot_at(slotted.office_a, at(1, 9)).pk,
        service=service,
        idempotency_key="key-12345678",
    )
    with pytest.raises(ConflictError) as exc:
        appointment_book(
            actor=slotted.citizen,
            slot_id=slot_at(slotted.office_a, at(1, 10)).pk,
            service=service,
            idempotency_key="key-12345678",
        )
    assert exc.value.code == "idempotency_key_reused"


def test_a_double_click_without_a_key_books_once(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    book(slotted.citizen, slot, service)
    with pytest.raises(ConflictError):
        book(slotted.citizen, slot, service)
    assert Appointment.objects.filter(citizen=slotted.citizen).count() == 1


def test_a_clerk_books_on_behalf_of_a_citizen_and_the_audit_says_so(slotted, service):
    appointment = appointment_book(
        actor=slotted.clerk_a,
        citizen=slotted.citizen,
        slot_id=slot_at(slotted.office_a, at(1, 9)).pk,
        service=service,
    ).appointment
    assert appointment.booked_by == slotted.clerk_a
    event = AuditEvent.objects.get(action="scheduling.appointment.booked", object_id=str(appointment.pk))
    assert event.actor_id == slotted.clerk_a.pk
    assert event.on_behalf_of_id == slotted.citizen.pk
    assert event.office_id == slotted.office_a.pk


def test_a_clerk_of_another_office_cannot_book_on_behalf_there(slotted, service):
    with pytest.raises(PermissionDeniedError):
        appointment_book(
            actor=slotted.clerk_b,
            citizen=slotted.citizen,
            slot_id=slot_at(slotted.office_a, at(1, 9)).pk,
            service=service,
        )
    assert not Appointment.objects.exists()


def test_a_citizen_cannot_book_for_someone_else(slotted, service):
    with pytest.raises(PermissionDeniedError):
        appointment_book(
            actor=slotted.citizen,
            citizen=slotted.other_citizen,
            slot_id=slot_at(slotted.office_a, at(1, 9)).pk,
            service=service,
        )


def test_staff_without_the_citizen_role_do_not_book_for_themselves(slotted, service):
    with pytest.raises(PermissionDeniedError):
        book(slotted.clerk_a, slot_at(slotted.office_a, at(1, 9)), service)
    give_role(slotted.clerk_a, Role.CITIZEN)
    assert book(slotted.clerk_a, slot_at(slotted.office_a, at(1, 9)), service).citizen == slotted.clerk_a


def test_a_suspended_office_takes_no_bookings(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    type(slotted.office_a).objects.filter(pk=slotted.office_a.pk).update(status="suspended")
    with pytest.raises(ConflictError) as exc:
        book(slotted.citizen, slot, service)
    assert exc.value.code == "office_unavailable"


def test_the_case_reference_is_kept_for_a_verification_visit(slotted, service):
    appointment = appointment_book(
        actor=slotted.citizen,
        slot_id=slot_at(slotted.office_a, at(1, 9)).pk,
        service=service,
        channel="semi_in_person",
        case_ref="cases.case:123",
    ).appointment
    assert (appointment.channel, appointment.case_ref) == ("semi_in_person", "cases.case:123")


def test_regeneration_after_booking_never_changes_the_booked_count(slotted, service):
    slot = slot_at(slotted.office_a, at(1, 9))
    book(slotted.citizen, slot, service)
    slots_generate(office=slotted.office_a)
    slot.refresh_from_db()
    assert slot.booked == 1


def test_the_database_refuses_more_bookings_than_places(slotted):
    from django.db import IntegrityError, transaction

    slot = slot_at(slotted.office_a, at(1, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=slot.bookable + 1)


def test_booking_a_week_ahead_is_fine(slotted, service):
    assert book(slotted.citizen, slot_at(slotted.office_a, at(7, 9) + timedelta(minutes=15)), service)
