from django.urls import path

from tanzim.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.office_list, name="list"),
    path("refer/", views.refer, name="refer"),
    path("desk/", views.partner_desk, name="desk"),
    path("mine/", views.mine, name="mine"),
    path("figures/", views.figures, name="figures"),
    path("dead-letters/", views.dead_letters, name="dead_letters"),
    path("dead-letters/<str:pk>/replay/", views.replay, name="replay"),
    path("<str:pk>/", views.detail, name="detail"),
    path("<str:pk>/attach/", views.attach, name="attach"),
    path("<str:pk>/step/", views.step, name="step"),
    path("<str:pk>/outcome/", views.outcome, name="outcome"),
    path("<str:pk>/documents/<str:doc>/", views.document, name="document"),
]
