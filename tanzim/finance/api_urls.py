from django.urls import path

from tanzim.finance import api

urlpatterns = [
    path("payments/", api.PaymentListCreateView.as_view(), name="payment-list"),
    path("payments/callback/", api.PaymentCallbackView.as_view(), name="payment-callback"),
    path("payments/<str:ref>/", api.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<str:ref>/refunds/", api.PaymentRefundView.as_view(), name="payment-refunds"),
    path(
        "offices/<str:code>/statements/<int:year>/<int:month>/",
        api.OfficeStatementView.as_view(),
        name="office-statement",
    ),
    path("free-services/", api.FreeServiceGrantCreateView.as_view(), name="free-service-grant"),
    path("settlements/", api.SettlementListCreateView.as_view(), name="settlement-list"),
    path("transparency/<int:year>/<int:month>/", api.TransparencyView.as_view(), name="transparency"),
]
