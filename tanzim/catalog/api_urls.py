from django.urls import path

from tanzim.catalog import api

urlpatterns = [
    path("offices/", api.OfficeListView.as_view(), name="office-list"),
    path("services/", api.ServiceListView.as_view(), name="service-list"),
    path("fees/quote/", api.FeeQuoteView.as_view(), name="fee-quote"),
]
