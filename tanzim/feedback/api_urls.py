from django.urls import path

from tanzim.feedback import api

urlpatterns = [
    path("surveys/<str:token>/", api.SurveyView.as_view(), name="survey"),
    path("feedback/metrics/", api.MetricsView.as_view(), name="feedback-metrics"),
    path(
        "feedback/offices/<str:code>/results/",
        api.OfficeResultsView.as_view(),
        name="feedback-office-results",
    ),
    path(
        "feedback/offices/<str:code>/comments/",
        api.OfficeCommentsView.as_view(),
        name="feedback-office-comments",
    ),
    path("complaints/", api.ComplaintListCreateView.as_view(), name="complaint-list"),
    path("complaints/<str:reference>/", api.ComplaintDetailView.as_view(), name="complaint-detail"),
    path(
        "complaints/<str:reference>/transition/",
        api.ComplaintTransitionView.as_view(),
        name="complaint-transition",
    ),
    path(
        "complaints/<str:reference>/attachments/",
        api.ComplaintAttachmentView.as_view(),
        name="complaint-attachments",
    ),
    path("complaints/<str:reference>/events/", api.ComplaintEventsView.as_view(), name="complaint-events"),
]
