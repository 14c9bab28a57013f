from django.urls import path

from tanzim.enforcement import views

app_name = "enforcement"
urlpatterns = [
    path("", views.board, name="board"),
    path("request/", views.file_request, name="request"),
    path("files/<int:pk>/", views.file_detail, name="file"),
    path("files/<int:pk>/pay/", views.file_pay, name="pay-online"),
    path("files/<int:pk>/act/<slug:action>/", views.file_act, name="act"),
    path("approvals/", views.approvals, name="approvals"),
    path("auctions/", views.auctions, name="auctions"),
    path("auctions/<int:pk>/", views.auction_page, name="auction"),
    path("auctions/<int:pk>/pay/<slug:what>/", views.auction_pay, name="auction-pay"),
    path("auctions/<int:pk>/act/<slug:action>/", views.auction_act, name="auction-act"),
    path("metrics/", views.metrics_page, name="metrics"),
]
