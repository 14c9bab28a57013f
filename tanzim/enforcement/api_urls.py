from django.urls import path

from tanzim.enforcement import api

urlpatterns = [
    path("enforcement/files/", api.FileListView.as_view(), name="enforcement-file-list"),
    path("enforcement/files/<int:pk>/", api.FileDetailView.as_view(), name="enforcement-file-detail"),
    path(
        "enforcement/files/<int:pk>/transition/",
        api.FileTransitionView.as_view(),
        name="enforcement-file-transition",
    ),
    path("enforcement/auctions/<int:pk>/bids/", api.BidView.as_view(), name="enforcement-bids"),
]
