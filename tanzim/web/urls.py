from django.urls import path

from tanzim.web import identity, signin, views
from tanzim.web.metrics import metrics_view

app_name = "web"
urlpatterns = [
    path("", views.index, name="index"),
    path("offices/", views.directory, name="directory"),
    path("login/", signin.staff_login, name="login"),
    path("login/choose/", signin.sign_in_choice, name="sign-in"),
    path("login/verify/", signin.two_factor_verify, name="two-factor-verify"),
    path("account/two-factor/", signin.two_factor_setup, name="two-factor"),
    path("login/otp/", views.otp_request, name="otp-request"),
    path("login/otp/verify/", views.otp_verify, name="otp-verify"),
    path("signup/", views.signup, name="signup"),
    path("logout/", views.sign_out, name="logout"),
    path("account/profile/", views.profile, name="profile"),
    path("abroad/", views.abroad, name="abroad"),
    path("account/identity/", identity.identity, name="identity"),
    path("desk/identity/", identity.identity_queue, name="identity-queue"),
    path("desk/identity/<int:pk>/", identity.identity_review, name="identity-review"),
    path("desk/identity/<int:pk>/document/", identity.identity_document, name="identity-document"),
    path("home/", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("metrics", metrics_view, name="metrics"),
]
