"""Writes for scheduling, one module per sub-workflow.

- ``slots``: the slot inventory and each office's booking policy;
- ``appointments``: booking, cancelling, moving;
- ``queue``: check-in, walk-ins, calling and serving, the end of the day;
- ``reminders``: reminders before an appointment and the no-show sweep;
- ``stats``: office figures and visits avoided;
- ``flexible``: flexible requests and the nightly batch that places them;
- ``remote``: appointments of a call (video, phone) at a consultant's own time, with no slot.

Status changes go through the workflows of ``tanzim.scheduling.workflows``. Callers import from
here; the modules' private helpers stay private.
"""

from tanzim.scheduling.services.appointments import (
    BookingResult,
    SlotTakenError,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from tanzim.scheduling.services.flexible import (
    flexible_request_assign,
    flexible_request_create,
    flexible_request_wait_nearer,
    flexible_request_withdraw,
    flexible_requests_run,
)
from tanzim.scheduling.services.queue import (
    appointment_check_in,
    checkin_window,
    queue_close_day,
    ticket_call_next,
    ticket_issue_walk_in,
    ticket_leave,
    ticket_no_show,
    ticket_recall,
    ticket_requeue,
    ticket_serve,
)
from tanzim.scheduling.services.reminders import (
    appointment_remind,
    appointments_mark_no_shows,
    reminders_due,
    reminders_send,
)
from tanzim.scheduling.services.remote import remote_appointment_book, remote_appointment_held
from tanzim.scheduling.services.slots import (
    SlotSync,
    appointment_capacity,
    desired_slots,
    policy_for,
    scheduling_policy_set,
    slots_generate,
    slots_generate_all,
)
from tanzim.scheduling.services.stats import office_stats_refresh, visit_avoided_record

__all__ = [
    "BookingResult",
    "SlotSync",
    "SlotTakenError",
    "appointment_book",
    "appointment_cancel",
    "appointment_capacity",
    "appointment_check_in",
    "appointment_remind",
    "appointment_reschedule",
    "appointments_mark_no_shows",
    "checkin_window",
    "desired_slots",
    "flexible_request_assign",
    "flexible_request_create",
    "flexible_request_wait_nearer",
    "flexible_request_withdraw",
    "flexible_requests_run",
    "office_stats_refresh",
    "policy_for",
    "queue_close_day",
    "reminders_due",
    "reminders_send",
    "remote_appointment_book",
    "remote_appointment_held",
    "scheduling_policy_set",
    "slots_generate",
    "slots_generate_all",
    "ticket_call_next",
    "ticket_issue_walk_in",
    "ticket_leave",
    "ticket_no_show",
    "ticket_recall",
    "ticket_requeue",
    "ticket_serve",
    "visit_avoided_record",
]
