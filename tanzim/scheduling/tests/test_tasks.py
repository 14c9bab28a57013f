"""Background tasks: thin, idempotent, and only doing the work that is due."""

from __future__ import annotations

import pytest

from tanzim.scheduling import tasks
from tanzim.scheduling.models import OfficeDayStats, OfficeQueueStats, QueueTicket, Slot
from tanzim.scheduling.services import ticket_issue_walk_in
from tanzim.testing.scheduling import at

pytestmark = pytest.mark.django_db


def test_regenerating_an_office_twice_changes_nothing_the_second_time(slotted):
    assert tasks.regenerate_office_slots(slotted.office_a.pk)["created"] == 0
    assert tasks.regenerate_office_slots(987654) == {}


def test_the_nightly_extension_adds_the_new_last_day(slotted, clock):
    before = Slot.objects.count()
    clock.move_to(at(1, 0, 30))
    assert tasks.extend_slots()["created"] > 0
    assert Slot.objects.count() > before


def test_the_stats_refresh_only_visits_busy_offices(slotted, clock):
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    assert tasks.refresh_office_stats() == 1
    assert OfficeQueueStats.objects.filter(office=slotted.office_a).exists()
    assert not OfficeQueueStats.objects.filter(office=slotted.office_b).exists()
    assert OfficeDayStats.objects.filter(office=slotted.office_a, day=at(0, 0).date()).exists()


def test_closing_the_queues_twice_closes_once(slotted, clock):
    ticket_issue_walk_in(office=slotted.office_a, actor=slotted.clerk_a)
    assert tasks.close_queues() == 1
    assert tasks.close_queues() == 0
    assert QueueTicket.objects.get().status == "left"
    assert OfficeQueueStats.objects.count() == 2
