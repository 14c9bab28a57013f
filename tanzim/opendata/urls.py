from django.urls import path

from tanzim.opendata import views

app_name = "opendata"
urlpatterns = [
    path("", views.network, name="network"),
    path("money/", views.money, name="money"),
    path("offices/<str:code>/", views.office, name="office"),
    path("download/<str:table>.<str:fmt>", views.download, name="download"),
]
