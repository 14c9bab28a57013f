from django.urls import path

from tanzim.consult import api

urlpatterns = [
    path("consult/trees/", api.TreeListView.as_view(), name="consult-trees"),
    path("consult/trees/<slug:slug>/", api.TreeDetailView.as_view(), name="consult-tree"),
    path("consult/consultations/", api.ConsultationListView.as_view(), name="consult-consultations"),
    path(
        "consult/consultations/<str:reference>/",
        api.ConsultationDetailView.as_view(),
        name="consult-consultation",
    ),
    path(
        "consult/consultations/<str:reference>/transition/",
        api.ConsultationTransitionView.as_view(),
        name="consult-consultation-transition",
    ),
]
