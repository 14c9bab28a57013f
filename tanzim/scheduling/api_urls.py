from django.urls import path

from tanzim.scheduling import api

urlpatterns = [
    path("appointments/", api.AppointmentListCreateView.as_view(), name="appointment-list"),
    path("appointments/suggestions", api.SuggestionsView.as_view(), name="appointment-suggestions"),
    path("appointments/availability", api.AvailabilityView.as_view(), name="appointment-availability"),
    path("appointments/channel-choice", api.ChannelChoiceView.as_view(), name="appointment-channel-choice"),
    path(
        "appointments/flexible-requests",
        api.FlexibleRequestListCreateView.as_view(),
        name="flexible-requests",
    ),
    path(
        "appointments/flexible-requests/<int:pk>/withdraw",
        api.FlexibleRequestWithdrawView.as_view(),
        name="flexible-request-withdraw",
    ),
    path("appointments/<int:pk>/", api.AppointmentDetailView.as_view(), name="appointment-detail"),
    path("appointments/<int:pk>/cancel", api.AppointmentCancelView.as_view(), name="appointment-cancel"),
    path(
        "appointments/<int:pk>/reschedule",
        api.AppointmentRescheduleView.as_view(),
        name="appointment-reschedule",
    ),
    path("appointments/<int:pk>/check-in", api.AppointmentCheckInView.as_view(), name="appointment-check-in"),
    path("appointments/<int:pk>/calendar.ics", api.AppointmentCalendarView.as_view(), name="appointment-ics"),
    path("queues/<str:code>/", api.QueueStateView.as_view(), name="queue-state"),
    path("queues/<str:code>/tickets", api.WalkInView.as_view(), name="queue-walk-in"),
    path("queues/<str:code>/call-next", api.CallNextView.as_view(), name="queue-call-next"),
    path("queues/<str:code>/display", api.DisplayView.as_view(), name="queue-display"),
    path("queues/<str:code>/policy", api.PolicyView.as_view(), name="queue-policy"),
    *[
        path(
            f"queue-tickets/<int:pk>/{action}",
            api.TicketActionView.as_view(),
            {"action": action},
            name=f"queue-ticket-{action}",
        )
        for action in api.TICKET_ACTIONS
    ],
    path("scheduling/metrics", api.MetricsView.as_view(), name="scheduling-metrics"),
]
