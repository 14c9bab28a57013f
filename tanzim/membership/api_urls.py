"""New offices from exam to opening; the Kanoon's services to its members."""

from django.urls import path

from tanzim.membership import api

urlpatterns = [
    path("membership/applications/", api.ApplicationListView.as_view(), name="membership-applications"),
    path(
        "membership/applications/<int:pk>/",
        api.ApplicationDetailView.as_view(),
        name="membership-application",
    ),
    path(
        "membership/applications/<int:pk>/transition/",
        api.ApplicationTransitionView.as_view(),
        name="membership-application-transition",
    ),
    path("membership/pipeline/", api.PipelineView.as_view(), name="membership-pipeline"),
]
