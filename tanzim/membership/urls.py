from django.urls import path

from tanzim.membership import views, views_dues, views_insurance

app_name = "membership"
urlpatterns = [
    path("", views.home, name="home"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("import/", views.import_exam, name="import"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline.csv", views.pipeline_csv, name="pipeline_csv"),
    path("applicants/<int:pk>/", views.review, name="review"),
    path("loans/", views.loans, name="loans"),
    path("loans/documents/<int:pk>/", views.loan_document, name="loan_document"),
    path("staff/", views.staff, name="staff"),
    path("insurance/", views_insurance.insurance, name="insurance"),
    path("dues/", views_dues.dues, name="dues"),
    path("insurance/documents/<int:pk>/", views_insurance.claim_document, name="claim_document"),
    path("insurance/<slug:code>.csv", views_insurance.insurer_export, name="insurer_csv"),
]
