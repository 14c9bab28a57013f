from django.urls import path

from tanzim.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.near, name="near"),
    path("coverage/", views.coverage, name="coverage"),
    path("missions/", views.mission_list, name="list"),
    path("missions/<int:pk>/", views.mission_detail, name="detail"),
    path("missions/<int:pk>/act/", views.mission_act, name="act"),
    path("missions/<int:pk>/field/", views.field, name="field"),
    path("sms/", views.subscription, name="subscription"),
    path("sw.js", views.service_worker, name="sw"),
]
