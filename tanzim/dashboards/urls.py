from django.urls import path

from tanzim.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("p/<str:code>/", views.province_page, name="province"),
    path("o/<str:code>/", views.office_page, name="office"),
]
