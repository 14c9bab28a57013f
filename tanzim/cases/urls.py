from django.urls import path

from tanzim.cases import views

app_name = "cases"
urlpatterns = [
    # The citizen's journey.
    path("", views.my_cases, name="list"),
    path("start/", views.start, name="start"),
    path("start/<slug:service>/", views.choose_channel, name="channel"),
    path("start/<slug:service>/<slug:channel>/", views.choose_office, name="office"),
    # The office's desk.
    path("worklist/", views.worklist, name="worklist"),
    path("walk-in/", views.walk_in, name="walk-in"),
    path("search/", views.search, name="search"),
    # One case.
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/draft/", views.draft, name="draft"),
    path("<int:pk>/draft/details/", views.draft_details, name="details"),
    path("<int:pk>/parties/", views.party_add, name="party-add"),
    path("<int:pk>/parties/<int:party_id>/remove/", views.party_remove, name="party-remove"),
    path("<int:pk>/documents/", views.document_add, name="document-add"),
    path("<int:pk>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<int:pk>/documents/<int:document_id>/remove/", views.document_remove, name="document-remove"),
    path("<int:pk>/confirm-originals/", views.confirm_originals, name="confirm-originals"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/pay/", views.pay, name="pay"),
    path("<int:pk>/counter-payment/", views.counter_payment, name="counter-payment"),
    path("<int:pk>/refile/", views.refile, name="refile"),
    path("<int:pk>/receipt.pdf", views.receipt, name="receipt"),
]
