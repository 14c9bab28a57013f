"""Routes of the disputes API under ``/api/v1/``. Every route ends with a slash (a slash-less path
that resolves with the slash is answered 308 by ``tanzim.common.middleware``)."""

from django.urls import path

from tanzim.disputes.api import arbitration, boards, disputes, invitation, mediation, referral, settlement

urlpatterns = [
    path("disputes/", disputes.DisputeListView.as_view(), name="dispute-list"),
    path("disputes/board/", boards.BoardView.as_view(), name="dispute-board"),
    path("disputes/docket/", boards.DocketView.as_view(), name="dispute-docket"),
    path("disputes/metrics/", boards.MetricsView.as_view(), name="dispute-metrics"),
    path("disputes/figures/", boards.FiguresView.as_view(), name="dispute-figures"),
    path("disputes/join/", invitation.JoinView.as_view(), name="dispute-join"),
    path("disputes/join/verify/", invitation.JoinVerifyView.as_view(), name="dispute-join-verify"),
    path("disputes/triage-rules/", boards.TriageRuleListView.as_view(), name="dispute-triage-rules"),
    path("disputes/<int:pk>/", disputes.DisputeDetailView.as_view(), name="dispute-detail"),
    path("disputes/<int:pk>/events/", disputes.EventListView.as_view(), name="dispute-events"),
    path("disputes/<int:pk>/actions/", disputes.ActionView.as_view(), name="dispute-actions"),
    path("disputes/<int:pk>/parties/<str:role>/", disputes.PartyView.as_view(), name="dispute-party"),
    # sessions, proposals, documents
    path("disputes/<int:pk>/sessions/", mediation.SessionListView.as_view(), name="dispute-sessions"),
    path(
        "disputes/<int:pk>/sessions/<int:session_id>/record/",
        mediation.SessionRecordView.as_view(),
        name="dispute-session-record",
    ),
    path("disputes/<int:pk>/proposals/", mediation.ProposalView.as_view(), name="dispute-proposals"),
    path("disputes/<int:pk>/documents/", mediation.DocumentListView.as_view(), name="dispute-documents"),
    # settlement
    path("disputes/<int:pk>/settlement/", settlement.SettlementView.as_view(), name="dispute-settlement"),
    path(
        "disputes/<int:pk>/settlement/open/",
        settlement.SettlementOpenView.as_view(),
        name="dispute-settlement-open",
    ),
    path(
        "disputes/<int:pk>/settlement/void/",
        settlement.SettlementVoidView.as_view(),
        name="dispute-settlement-void",
    ),
    path(
        "disputes/<int:pk>/settlement/code/",
        settlement.SettlementCodeView.as_view(),
        name="dispute-settlement-code",
    ),
    path(
        "disputes/<int:pk>/settlement/sign/",
        settlement.SettlementSignView.as_view(),
        name="dispute-settlement-sign",
    ),
    path(
        "disputes/<int:pk>/settlement.pdf/",
        settlement.SettlementPdfView.as_view(),
        name="dispute-settlement-pdf",
    ),
    # arbitration and award
    path("disputes/<int:pk>/arbitration/", arbitration.ArbitrationView.as_view(), name="dispute-arbitration"),
    path(
        "disputes/<int:pk>/arbitration/arbitrators/",
        arbitration.ArbitratorListView.as_view(),
        name="dispute-arbitrators",
    ),
    path(
        "disputes/<int:pk>/arbitration/arbitrators/<int:arbitrator_id>/declaration/",
        arbitration.DeclarationView.as_view(),
        name="dispute-arbitrator-declaration",
    ),
    path(
        "disputes/<int:pk>/arbitration/arbitrators/<int:arbitrator_id>/actions/",
        arbitration.ArbitratorActionView.as_view(),
        name="dispute-arbitrator-actions",
    ),
    path(
        "disputes/<int:pk>/arbitration/extend/",
        arbitration.ArbitrationExtendView.as_view(),
        name="dispute-arbitration-extend",
    ),
    path("disputes/<int:pk>/award/", arbitration.AwardView.as_view(), name="dispute-award"),
    path(
        "disputes/<int:pk>/award/notices/",
        arbitration.AwardNoticeView.as_view(),
        name="dispute-award-notices",
    ),
    path(
        "disputes/<int:pk>/award/compliance/",
        arbitration.ComplianceView.as_view(),
        name="dispute-award-compliance",
    ),
    # referral
    path("disputes/<int:pk>/referrals/", referral.ReferralListView.as_view(), name="dispute-referrals"),
    path(
        "disputes/<int:pk>/referrals/<int:referral_id>/tracking/",
        referral.ReferralTrackingView.as_view(),
        name="dispute-referral-tracking",
    ),
]
