from django.urls import path

from tanzim.outreach import api

urlpatterns = [
    path("outreach/missions/", api.MissionListView.as_view(), name="outreach-missions"),
    path("outreach/missions/<int:pk>/", api.MissionDetailView.as_view(), name="outreach-mission"),
    path(
        "outreach/missions/<int:pk>/transition/",
        api.MissionTransitionView.as_view(),
        name="outreach-mission-transition",
    ),
    path("outreach/missions/<int:pk>/team/", api.MissionTeamView.as_view(), name="outreach-mission-team"),
    path(
        "outreach/missions/<int:pk>/confirm/",
        api.MissionConfirmView.as_view(),
        name="outreach-mission-confirm",
    ),
    path(
        "outreach/missions/<int:pk>/report/", api.MissionReportView.as_view(), name="outreach-mission-report"
    ),
    path("outreach/missions/<int:pk>/sync/", api.MissionSyncView.as_view(), name="outreach-mission-sync"),
    path(
        "outreach/missions/<int:pk>/reimburse/",
        api.MissionReimburseView.as_view(),
        name="outreach-mission-reimburse",
    ),
    path("outreach/near/", api.NearView.as_view(), name="outreach-near"),
]
