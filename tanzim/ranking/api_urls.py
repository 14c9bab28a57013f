from django.urls import path

from tanzim.ranking import api

urlpatterns = [
    path("ranking/runs/", api.RankingRunListView.as_view(), name="ranking-runs"),
    path("ranking/runs/<int:pk>/", api.RankingRunDetailView.as_view(), name="ranking-run"),
    path("ranking/runs/<int:pk>/approve/", api.RankingRunApproveView.as_view(), name="ranking-run-approve"),
    path("ranking/runs/<int:pk>/results/", api.RankingResultListView.as_view(), name="ranking-results"),
    path(
        "ranking/runs/<int:pk>/results/<str:code>/",
        api.RankingExplanationView.as_view(),
        name="ranking-explanation",
    ),
    path("ranking/policies/", api.RankingPolicyListView.as_view(), name="ranking-policies"),
    path("ranking/public/runs/", api.RankingPublicRunListView.as_view(), name="ranking-public-runs"),
    path(
        "ranking/public/runs/<int:pk>/results/",
        api.RankingPublicResultListView.as_view(),
        name="ranking-public-results",
    ),
]
