"""Survey invitations: made by the system from real events only, single-use, hashed, rate-limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tanzim.accounts.choices import Role
from tanzim.cases import signals as case_signals
from tanzim.cases.choices import CaseStatus
from tanzim.cases.models import Case
from tanzim.feedback.choices import InvitationSource
from tanzim.feedback.models import SurveyInvitation, SurveyTally
from tanzim.feedback.services import invitations_for_event, token_hash
from tanzim.notify.models import Message
from tanzim.scheduling import signals as scheduling_signals
from tanzim.scheduling.choices import TicketKind, TicketStatus
from tanzim.scheduling.models import QueueTicket
from tanzim.testing.factories import CitizenFactory, give_role
from tanzim.testing.feedback import file_case, serve_visit, token_from_outbox

pytestmark = pytest.mark.django_db


def visit_invites(office, citizen, service, **kwargs):
    appointment = serve_visit(office, citizen, service, **kwargs)
    return invitations_for_event(source=InvitationSource.VISIT, source_id=appointment.pk)


def test_a_served_visit_sends_one_survey_sms_through_the_outbox(personas, service):
    [invitation] = visit_invites(personas.office_a, personas.citizen, service)

    message = Message.objects.get(template="feedback.survey_invitation")
    token = token_from_outbox(personas.citizen.mobile)
    assert message.to == personas.citizen.mobile and message.recipient == personas.citizen
    assert f"/feedback/s/{token}/" in message.body
    assert invitation.office == personas.office_a and invitation.source == InvitationSource.VISIT
    assert SurveyTally.objects.get(office=personas.office_a, period=invitation.period).sent == 1


def test_only_the_hash_of_the_token_is_stored(personas, service):
    [invitation] = visit_invites(personas.office_a, personas.citizen, service)
    token = token_from_outbox(personas.citizen.mobile)

    assert invitation.token_hash == token_hash(token)
    stored = SurveyInvitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in {str(v) for v in stored.values()}
    assert personas.citizen.mobile not in {str(v) for v in stored.values()}


def test_the_same_event_twice_sends_a_single_link(personas, service):
    appointment = serve_visit(personas.office_a, personas.citizen, service)

    first = invitations_for_event(source=InvitationSource.VISIT, source_id=appointment.pk)
    second = invitations_for_event(source=InvitationSource.VISIT, source_id=appointment.pk)

    assert len(first) == 1 and second == []
    assert Message.objects.filter(template="feedback.survey_invitation").count() == 1


def test_a_citizen_gets_at_most_one_invitation_per_office_in_the_cooldown(personas, service, settings):
    settings.FEEDBACK_INVITATION_COOLDOWN_DAYS = 30

    assert len(visit_invites(personas.office_a, personas.citizen, service)) == 1
    assert visit_invites(personas.office_a, personas.citizen, service) == []
    assert len(visit_invites(personas.office_b, personas.citizen, service)) == 1


def test_the_cooldown_ends_after_the_set_number_of_days(personas, service, settings, time_machine):
    settings.FEEDBACK_INVITATION_COOLDOWN_DAYS = 30
    time_machine.move_to(timezone.now(), tick=False)
    assert len(visit_invites(personas.office_a, personas.citizen, service)) == 1

    time_machine.move_to(timezone.now() + timedelta(days=31), tick=False)

    assert len(visit_invites(personas.office_a, personas.citizen, service)) == 1


def test_two_accounts_sharing_one_phone_get_one_invitation_per_office(personas, service):
    """An office that types its own number for its clients would otherwise collect their links."""
    shared = "+989121110000"
    first, second = CitizenFactory(mobile=shared), CitizenFactory(mobile=shared)

    assert len(visit_invites(personas.office_a, first, service)) == 1
    assert visit_invites(personas.office_a, second, service) == []


def test_staff_of_the_office_are_never_invited_to_rate_it(personas, service):
    assert visit_invites(personas.office_a, personas.clerk_a, service) == []
    assert not Message.objects.filter(template="feedback.survey_invitation").exists()


def test_a_client_whose_phone_is_a_staff_members_phone_is_not_invited(personas, service):
    client = CitizenFactory(mobile=personas.manager_a.mobile)

    assert visit_invites(personas.office_a, client, service) == []


def test_staff_of_another_office_are_invited_like_anyone(personas, service):
    assert len(visit_invites(personas.office_a, personas.clerk_b, service)) == 1


def test_an_event_older_than_a_links_lifetime_mints_nothing(personas, service, settings):
    settings.FEEDBACK_INVITATION_TTL_DAYS = 7
    old = timezone.now() - timedelta(days=8)

    assert visit_invites(personas.office_a, personas.citizen, service, when=old) == []


def test_an_appointment_that_was_not_served_mints_nothing(personas, service):
    appointment = serve_visit(personas.office_a, personas.citizen, service)
    appointment.status = "no_show"
    appointment.save(update_fields=["status"])

    assert invitations_for_event(source=InvitationSource.VISIT, source_id=appointment.pk) == []


def test_an_unknown_event_mints_nothing(personas):
    assert invitations_for_event(source=InvitationSource.VISIT, source_id=987654) == []
    assert invitations_for_event(source=InvitationSource.CASE_FILED, source_id=987654) == []
    assert invitations_for_event(source=InvitationSource.DISPUTE, source_id=987654) == []


def test_an_unknown_source_is_a_programming_error(personas):
    with pytest.raises(ValueError):
        invitations_for_event(source="office_request", source_id=1)


def test_a_filed_request_invites_its_applicant(personas, service):
    case = file_case(personas.office_b, personas.other_citizen, service)

    [invitation] = invitations_for_event(source=InvitationSource.CASE_FILED, source_id=case.pk)

    assert invitation.office == personas.office_b and invitation.recipient == personas.other_citizen


def test_a_rejected_request_invites_on_closing_and_a_draft_does_not(personas, service):
    rejected = file_case(personas.office_a, personas.citizen, service, status=CaseStatus.REJECTED)
    draft = file_case(personas.office_b, personas.other_citizen, service, status=CaseStatus.DRAFT)
    Case.objects.filter(pk=draft.pk).update(status=CaseStatus.CANCELLED)

    assert len(invitations_for_event(source=InvitationSource.CASE_CLOSED, source_id=rejected.pk)) == 1
    assert invitations_for_event(source=InvitationSource.CASE_CLOSED, source_id=draft.pk) == []


def test_a_walk_in_ticket_invites_but_an_appointments_ticket_is_left_to_the_appointment(personas, service):
    appointment = serve_visit(personas.office_a, personas.citizen, service)
    now = timezone.now()
    common = {
        "office": personas.office_a,
        "day": now.date(),
        "status": TicketStatus.SERVED,
        "sort_at": now,
        "joined_at": now,
        "finished_at": now,
    }
    of_appointment = QueueTicket.objects.create(
        number=1, kind=TicketKind.APPOINTMENT, appointment=appointment, citizen=personas.citizen, **common
    )
    walk_in = QueueTicket.objects.create(
        number=2, kind=TicketKind.WALK_IN, citizen=personas.other_citizen, **common
    )

    assert invitations_for_event(source=InvitationSource.WALK_IN, source_id=of_appointment.pk) == []
    assert len(invitations_for_event(source=InvitationSource.WALK_IN, source_id=walk_in.pk)) == 1


def test_the_signals_of_lower_apps_send_invitations(personas, service):
    appointment = serve_visit(personas.office_a, personas.citizen, service)
    case = file_case(personas.office_b, personas.other_citizen, service)

    scheduling_signals.appointment_served.send(sender=None, appointment_id=appointment.pk)
    case_signals.case_filed.send(sender=Case, case=case)

    assert (
        SurveyInvitation.objects.filter(source=InvitationSource.VISIT, source_id=appointment.pk).count() == 1
    )
    assert SurveyInvitation.objects.filter(source=InvitationSource.CASE_FILED, source_id=case.pk).count() == 1


def test_a_cancelled_request_sends_no_invitation(personas, service):
    case = file_case(personas.office_a, personas.citizen, service)

    case_signals.case_closed.send(sender=Case, case=case, status="cancelled")

    assert not SurveyInvitation.objects.filter(source=InvitationSource.CASE_CLOSED).exists()


def test_a_receiver_failure_never_breaks_the_sender(personas, monkeypatch):
    from tanzim.feedback import tasks

    def boom(*args, **kwargs):
        raise RuntimeError("broker down")

    monkeypatch.setattr(tasks.send_survey_invitations, "delay", boom)

    scheduling_signals.appointment_served.send(sender=None, appointment_id=1)  # no exception


def test_no_api_route_or_page_lets_anyone_create_an_invitation(personas):
    names = [name for name in get_resolver().reverse_dict if isinstance(name, str)]
    assert not [n for n in names if "invitation" in n.lower()]
    api = APIClient()
    give_role(personas.manager_a, Role.OFFICE_MANAGER, office=personas.office_a)
    api.force_authenticate(personas.manager_a)
    for path in ("/api/v1/surveys/", "/api/v1/feedback/invitations", "/api/v1/surveys/invitations/"):
        response = api.post(path, {"office": "A0001", "mobile": "+989120000000"}, format="json")
        assert response.status_code in (404, 405)
    assert not SurveyInvitation.objects.exists()


def test_an_office_cannot_mint_a_link_for_an_event_of_its_own_making(personas, service):
    """The service reads the office and the person from the event row, not from the caller."""
    case = file_case(personas.office_a, personas.clerk_a, service)  # a clerk "files" for themselves

    assert invitations_for_event(source=InvitationSource.CASE_FILED, source_id=case.pk) == []
    assert reverse("feedback:survey", kwargs={"token": "x" * 32}).startswith("/feedback/s/")


def test_a_concluded_dispute_invites_both_sides_and_a_withdrawn_one_nobody(personas, service):
    from tanzim.disputes import signals as dispute_signals
    from tanzim.disputes.models import Dispute, Party

    now = timezone.now()

    def dispute(reference, concluded):
        made = Dispute.objects.create(
            reference=reference,
            office=personas.office_a,
            origin="office",
            category="mahriyeh",
            status="settled",
            status_changed_at=now,
            created_by=personas.clerk_a,
            created_at=now,
            concluded_at=now if concluded else None,
        )
        Party.objects.create(dispute=made, role="claimant", name="آلیس", user=personas.citizen, joined_at=now)
        Party.objects.create(
            dispute=made, role="respondent", name="بهرام", mobile="+989351112233", joined_at=now
        )
        return made

    settled = dispute("D-TEST-0001", concluded=True)
    open_one = dispute("D-TEST-0002", concluded=False)
    withdrawn = dispute("D-TEST-0003", concluded=True)

    dispute_signals.dispute_concluded.send(sender=None, dispute=settled, outcome="settled")
    dispute_signals.dispute_concluded.send(sender=None, dispute=withdrawn, outcome="withdrawn")

    invited = SurveyInvitation.objects.filter(source=InvitationSource.DISPUTE)
    assert invited.count() == 2 and set(invited.values_list("source_id", flat=True)) == {settled.pk}
    assert {m.to for m in Message.objects.filter(template="feedback.survey_invitation")} == {
        personas.citizen.mobile,
        "+989351112233",
    }
    assert invitations_for_event(source=InvitationSource.DISPUTE, source_id=open_one.pk) == []
