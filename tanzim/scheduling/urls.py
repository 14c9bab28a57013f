from django.urls import path

from tanzim.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.my_appointments, name="mine"),
    path("find/", views.find, name="find"),
    path("book/", views.book, name="book"),
    path("choose-channel/", views.choose_channel, name="choose-channel"),
    path("flexible/", views.flexible_request, name="flexible"),
    path("flexible/<int:pk>/wait-nearer/", views.flexible_wait_nearer, name="flexible-wait-nearer"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ticket/", views.ticket_status, name="ticket-status"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/check-in/", views.check_in, name="check-in"),
    path("<int:pk>/calendar.ics", views.calendar_file, name="ics"),
    path("office/<str:code>/", views.office_times, name="office-times"),
    path("office/<str:code>/day/", views.office_day, name="office-day"),
    path("office/<str:code>/policy/", views.office_policy, name="office-policy"),
    path("office/<str:code>/queue/", views.queue, name="queue"),
    path("office/<str:code>/queue/call/", views.queue_call, name="queue-call"),
    path("office/<str:code>/walk-in/", views.walk_in, name="walk-in"),
    path("ticket/<int:pk>/<str:action>/", views.ticket_action, name="ticket-action"),
    path("display/<str:code>/", views.display, name="display"),
]
