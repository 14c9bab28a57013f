from django.urls import path

from tanzim.disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.index, name="index"),
    path("board/", views.board, name="board"),
    path("docket/", views.docket, name="docket"),
    path("mine/", views.mine, name="mine"),
    path("overview/", views.overview, name="overview"),
    path("figures/", views.figures, name="figures"),
    path("new/", views.new, name="new"),
    path("from-case/<int:case_id>/", views.from_case, name="from-case"),
    path("join/", views.join, name="join"),
    path("join/verify/", views.join_verify, name="join-verify"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/parties/<slug:role>/", views.party_edit, name="party-edit"),
    path("<int:pk>/sessions/", views.session_new, name="session-new"),
    path("<int:pk>/sessions/<int:session_id>/record/", views.session_record, name="session-record"),
    path("<int:pk>/proposals/", views.proposal_new, name="proposal-new"),
    path("<int:pk>/documents/", views.document_new, name="document-new"),
    path("<int:pk>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<int:pk>/settlement/", views.settlement_edit, name="settlement"),
    path("<int:pk>/settlement/open/", views.settlement_open, name="settlement-open"),
    path("<int:pk>/settlement/void/", views.settlement_void, name="settlement-void"),
    path("<int:pk>/settlement/code/", views.settlement_code, name="settlement-code"),
    path("<int:pk>/settlement/sign/", views.settlement_sign, name="settlement-sign"),
    path("<int:pk>/settlement.pdf", views.settlement_pdf, name="settlement-pdf"),
    path("<int:pk>/arbitration/", views.arbitration_new, name="arbitration-new"),
    path("<int:pk>/arbitration/arbitrators/", views.arbitrator_new, name="arbitrator-new"),
    path(
        "<int:pk>/arbitration/arbitrators/<int:arbitrator_id>/<slug:action>/",
        views.arbitrator_act,
        name="arbitrator-act",
    ),
    path("<int:pk>/arbitration/extend/", views.arbitration_extend, name="arbitration-extend"),
    path("<int:pk>/award/", views.award_new, name="award-new"),
    path("<int:pk>/award/<slug:action>/", views.award_act, name="award-act"),
    path("<int:pk>/award.pdf", views.award_pdf, name="award-pdf"),
    path("<int:pk>/referrals/<int:referral_id>/file.zip", views.referral_file, name="referral-file"),
    path("<int:pk>/referrals/<int:referral_id>/tracking/", views.referral_tracking, name="referral-tracking"),
]
