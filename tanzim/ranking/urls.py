from django.urls import path

from tanzim.ranking import views

app_name = "ranking"
urlpatterns = [
    path("", views.public, name="public"),
    path("method/", views.method_page, name="method"),
    path("open-data.csv", views.open_data, {"fmt": "csv"}, name="open-data-csv"),
    path("open-data.json", views.open_data, {"fmt": "json"}, name="open-data-json"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run-status"),
    path("runs/<int:pk>/approve/", views.run_approve, name="run-approve"),
    path("runs/<int:pk>/offices/<str:code>/", views.explain, name="explain"),
    path("offices/<str:code>/", views.office_latest, name="office"),
    path("policy/", views.policy, name="policy"),
]
