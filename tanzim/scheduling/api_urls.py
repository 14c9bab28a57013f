from django.urls import path

from tanzim.scheduling.api import appointments, flexible, metrics, queue, suggestions

urlpatterns = [
    path("appointments/", appointments.AppointmentListCreateView.as_view(), name="appointment-list"),
    path("appointments/suggestions/", suggestions.SuggestionsView.as_view(), name="appointment-suggestions"),
    path(
        "appointments/availability/", suggestions.AvailabilityView.as_view(), name="appointment-availability"
    ),
    path(
        "appointments/channel-choice/",
        suggestions.ChannelChoiceView.as_view(),
        name="appointment-channel-choice",
    ),
    path(
        "appointments/flexible-requests/",
        flexible.FlexibleRequestListCreateView.as_view(),
        name="flexible-requests",
    ),
    path(
        "appointments/flexible-requests/<int:pk>/withdraw/",
        flexible.FlexibleRequestWithdrawView.as_view(),
        name="flexible-request-withdraw",
    ),
    path("appointments/<int:pk>/", appointments.AppointmentDetailView.as_view(), name="appointment-detail"),
    path(
        "appointments/<int:pk>/cancel/",
        appointments.AppointmentCancelView.as_view(),
        name="appointment-cancel",
    ),
    path(
        "appointments/<int:pk>/reschedule/",
        appointments.AppointmentRescheduleView.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:pk>/check-in/",
        appointments.AppointmentCheckInView.as_view(),
        name="appointment-check-in",
    ),
    path(
        "appointments/<int:pk>/calendar.ics/",
        appointments.AppointmentCalendarView.as_view(),
        name="appointment-ics",
    ),
    path("queues/<str:code>/", queue.QueueStateView.as_view(), name="queue-state"),
    path("queues/<str:code>/tickets/", queue.WalkInView.as_view(), name="queue-walk-in"),
    path("queues/<str:code>/call-next/", queue.CallNextView.as_view(), name="queue-call-next"),
    path("queues/<str:code>/display/", queue.DisplayView.as_view(), name="queue-display"),
    path("queues/<str:code>/policy/", queue.PolicyView.as_view(), name="queue-policy"),
    *[
        path(
            f"queue-tickets/<int:pk>/{action}/",
            queue.TicketActionView.as_view(),
            {"action": action},
            name=f"queue-ticket-{action}",
        )
        for action in queue.TICKET_ACTIONS
    ],
    path("scheduling/metrics/", metrics.MetricsView.as_view(), name="scheduling-metrics"),
]
