from django.urls import path

from tanzim.cases import api

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="case-list"),
    path("cases/search/", api.SearchView.as_view(), name="case-search"),
    path("cases/metrics/", api.MetricsView.as_view(), name="case-metrics"),
    path("cases/<int:pk>/", api.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/parties/", api.PartyListView.as_view(), name="case-parties"),
    path("cases/<int:pk>/parties/<int:party_id>/", api.PartyDetailView.as_view(), name="case-party"),
    path("cases/<int:pk>/documents/", api.DocumentListView.as_view(), name="case-documents"),
    path("cases/<int:pk>/confirm-originals/", api.ConfirmOriginalsView.as_view(), name="case-confirm"),
    path("cases/<int:pk>/transitions/", api.TransitionView.as_view(), name="case-transition"),
    path("cases/<int:pk>/events/", api.EventListView.as_view(), name="case-events"),
    path("documents/<int:document_id>/", api.DocumentDetailView.as_view(), name="document-detail"),
    path("worklist/", api.WorklistView.as_view(), name="worklist"),
]
