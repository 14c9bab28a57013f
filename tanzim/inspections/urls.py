from django.urls import path

from tanzim.inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.index, name="index"),
    path("plan/", views.plan, name="plan"),
    path("actions/", views.actions, name="actions"),
    path("actions/<int:pk>/act/", views.action_act, name="action-act"),
    path("findings/<int:finding_id>/actions/", views.action_add, name="action-add"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("free-services/", views.free_services, name="free-services"),
    path("free-services/samples/<int:pk>/check/", views.free_service_check, name="free-service-check"),
    path(
        "free-services/samples/<int:pk>/document/", views.free_service_document, name="free-service-document"
    ),
    path("free-services/<str:code>/<int:month>/", views.free_service_office, name="free-service-office"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/perform/", views.perform, name="perform"),
    path("<int:pk>/items/<int:item_id>/", views.item_save, name="item"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/findings/", views.finding_add, name="finding-add"),
    path("<int:pk>/refer/", views.refer, name="refer"),
]
