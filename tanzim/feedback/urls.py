from django.urls import path

from tanzim.feedback import views

app_name = "feedback"
urlpatterns = [
    path("s/<str:token>/", views.survey, name="survey"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/handle/", views.complaint_worklist, name="complaint-worklist"),
    path("complaints/<str:reference>/", views.complaint_detail, name="complaint"),
    path("complaints/<str:reference>/act/", views.complaint_act, name="complaint-act"),
    path("complaints/<str:reference>/files/", views.complaint_attach, name="complaint-attach"),
    path(
        "complaints/<str:reference>/files/<int:attachment_id>/",
        views.complaint_attachment,
        name="complaint-attachment",
    ),
    path("results/", views.results, name="results"),
    path("results/<str:code>/", views.office_results, name="office-results"),
]
