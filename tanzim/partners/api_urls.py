"""Partners API routes, under /api/v1/partners/."""

from django.urls import path

from tanzim.partners.api import views

urlpatterns = [
    path("partners/inbox/", views.InboxView.as_view(), name="partners-inbox"),
    path("partners/inbox/<str:reference>/", views.InboxDetailView.as_view(), name="partners-inbox-detail"),
    path(
        "partners/inbox/<str:reference>/documents/<str:doc>/",
        views.InboxDocumentView.as_view(),
        name="partners-inbox-document",
    ),
    path(
        "partners/inbox/<str:reference>/transition/",
        views.InboxTransitionView.as_view(),
        name="partners-inbox-transition",
    ),
    path(
        "partners/inbox/<str:reference>/outcome/",
        views.InboxOutcomeView.as_view(),
        name="partners-inbox-outcome",
    ),
    path("partners/events/", views.InboundEventView.as_view(), name="partners-events"),
    path("partners/referrals/", views.ReferralListView.as_view(), name="partners-referrals"),
    path("partners/referrals/<str:pk>/", views.ReferralDetailView.as_view(), name="partners-referral-detail"),
    path(
        "partners/referrals/<str:pk>/transition/",
        views.ReferralTransitionView.as_view(),
        name="partners-referral-transition",
    ),
    path(
        "partners/referrals/<str:pk>/outcome/",
        views.ReferralOutcomeView.as_view(),
        name="partners-referral-outcome",
    ),
    path("partners/directory/", views.DirectoryView.as_view(), name="partners-directory"),
    path("partners/dead-letters/", views.DeadLetterListView.as_view(), name="partners-dead-letters"),
    path(
        "partners/dead-letters/<str:pk>/replay/",
        views.DeadLetterReplayView.as_view(),
        name="partners-dead-letter-replay",
    ),
]
