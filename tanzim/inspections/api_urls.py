from django.urls import path

from tanzim.inspections import api

urlpatterns = [
    path("checklists/", api.ChecklistListView.as_view(), name="checklist-list"),
    *[
        path(
            f"checklists/<int:pk>/{action}/",
            api.ChecklistActionView.as_view(),
            {"action": action},
            name=f"checklist-{action}",
        )
        for action in ("new-version", "publish")
    ],
    path("inspections/", api.InspectionListCreateView.as_view(), name="inspection-list"),
    path("inspections/plans/", api.PlanCreateView.as_view(), name="inspection-plans"),
    path("inspections/risk/", api.RiskView.as_view(), name="inspection-risk"),
    path("inspections/latest-scores/", api.LatestScoresView.as_view(), name="inspection-latest-scores"),
    path("inspections/<int:pk>/", api.InspectionDetailView.as_view(), name="inspection-detail"),
    path(
        "inspections/<int:pk>/transition/",
        api.InspectionTransitionView.as_view(),
        name="inspection-transition",
    ),
    path("inspections/<int:pk>/items/<int:item_id>/", api.ItemAnswerView.as_view(), name="inspection-item"),
    path(
        "inspections/<int:pk>/items/<int:item_id>/evidence/",
        api.ItemEvidenceView.as_view(),
        name="inspection-evidence",
    ),
    path("inspections/<int:pk>/findings/", api.FindingCreateView.as_view(), name="inspection-findings"),
    path("inspections/<int:pk>/referral/", api.ReferralView.as_view(), name="inspection-referral"),
    path(
        "inspections/<int:pk>/referral/decision/",
        api.ReferralDecisionView.as_view(),
        name="inspection-referral-decision",
    ),
    path("findings/<int:pk>/actions/", api.ActionCreateView.as_view(), name="finding-actions"),
    path("corrective-actions/", api.ActionListView.as_view(), name="corrective-action-list"),
    path(
        "corrective-actions/<int:pk>/transition/",
        api.ActionTransitionView.as_view(),
        name="corrective-action-transition",
    ),
]
