from django.urls import path

from tanzim.consult.views import diagnosis, editor

app_name = "consult"
urlpatterns = [
    path("", diagnosis.index, name="index"),
    path("diagnosis/<slug:slug>/", diagnosis.run, name="diagnosis"),
    path("diagnosis/<slug:slug>/start/", diagnosis.start, name="diagnosis-start"),
    path("trees/", editor.tree_list, name="trees"),
    path("trees/report/", editor.content_report, name="content-report"),
    path("trees/<slug:slug>/", editor.tree_edit, name="tree-edit"),
    path("trees/<slug:slug>/versions/<int:number>/publish/", editor.tree_publish, name="tree-publish"),
]
