from django.urls import path

from tanzim.disputes import api

urlpatterns = [
    path("disputes/", api.DisputeListView.as_view(), name="dispute-list"),
    path("disputes/board", api.BoardView.as_view(), name="dispute-board"),
    path("disputes/docket", api.DocketView.as_view(), name="dispute-docket"),
    path("disputes/metrics", api.MetricsView.as_view(), name="dispute-metrics"),
    path("disputes/figures", api.FiguresView.as_view(), name="dispute-figures"),
    path("disputes/join", api.JoinView.as_view(), name="dispute-join"),
    path("disputes/join/verify", api.JoinVerifyView.as_view(), name="dispute-join-verify"),
    path("disputes/triage-rules", api.TriageRuleListView.as_view(), name="dispute-triage-rules"),
    path("disputes/<int:pk>/", api.DisputeDetailView.as_view(), name="dispute-detail"),
    path("disputes/<int:pk>/events/", api.EventListView.as_view(), name="dispute-events"),
    path("disputes/<int:pk>/actions/", api.ActionView.as_view(), name="dispute-actions"),
    path("disputes/<int:pk>/parties/<str:role>/", api.PartyView.as_view(), name="dispute-party"),
    path("disputes/<int:pk>/sessions/", api.SessionListView.as_view(), name="dispute-sessions"),
    path(
        "disputes/<int:pk>/sessions/<int:session_id>/record",
        api.SessionRecordView.as_view(),
        name="dispute-session-record",
    ),
    path("disputes/<int:pk>/proposals/", api.ProposalView.as_view(), name="dispute-proposals"),
    path("disputes/<int:pk>/documents/", api.DocumentListView.as_view(), name="dispute-documents"),
    path("disputes/<int:pk>/settlement", api.SettlementView.as_view(), name="dispute-settlement"),
    path(
        "disputes/<int:pk>/settlement/open", api.SettlementOpenView.as_view(), name="dispute-settlement-open"
    ),
    path(
        "disputes/<int:pk>/settlement/void", api.SettlementVoidView.as_view(), name="dispute-settlement-void"
    ),
    path(
        "disputes/<int:pk>/settlement/code", api.SettlementCodeView.as_view(), name="dispute-settlement-code"
    ),
    path(
        "disputes/<int:pk>/settlement/sign", api.SettlementSignView.as_view(), name="dispute-settlement-sign"
    ),
    path("disputes/<int:pk>/settlement.pdf", api.SettlementPdfView.as_view(), name="dispute-settlement-pdf"),
    path("disputes/<int:pk>/arbitration", api.ArbitrationView.as_view(), name="dispute-arbitration"),
    path(
        "disputes/<int:pk>/arbitration/arbitrators",
        api.ArbitratorListView.as_view(),
        name="dispute-arbitrators",
    ),
    path(
        "disputes/<int:pk>/arbitration/arbitrators/<int:arbitrator_id>/declaration",
        api.DeclarationView.as_view(),
        name="dispute-arbitrator-declaration",
    ),
    path(
        "disputes/<int:pk>/arbitration/arbitrators/<int:arbitrator_id>/actions",
        api.ArbitratorActionView.as_view(),
        name="dispute-arbitrator-actions",
    ),
    path(
        "disputes/<int:pk>/arbitration/extend",
        api.ArbitrationExtendView.as_view(),
        name="dispute-arbitration-extend",
    ),
    path("disputes/<int:pk>/award", api.AwardView.as_view(), name="dispute-award"),
    path("disputes/<int:pk>/award/compliance", api.ComplianceView.as_view(), name="dispute-award-compliance"),
    path("disputes/<int:pk>/referrals/", api.ReferralListView.as_view(), name="dispute-referrals"),
    path(
        "disputes/<int:pk>/referrals/<int:referral_id>/tracking",
        api.ReferralTrackingView.as_view(),
        name="dispute-referral-tracking",
    ),
]
