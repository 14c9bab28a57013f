from django.urls import path

from tanzim.opendata import api

urlpatterns = [
    path("open/network/", api.OpenNetworkView.as_view(), name="open-network"),
    path("open/money/", api.OpenMoneyView.as_view(), name="open-money"),
    path("open/offices/", api.OpenOfficeView.as_view(), name="open-offices"),
]
