from django.urls import path

from tanzim.accounts import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/tokens/", api.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<int:token_id>/", api.TokenDetailView.as_view(), name="auth-token-detail"),
    path("auth/otp/request/", api.OtpRequestView.as_view(), name="otp-request"),
    path("auth/otp/verify/", api.OtpVerifyView.as_view(), name="otp-verify"),
    path("citizens/", api.CitizenSignupView.as_view(), name="citizen-signup"),
    path("me/", api.MeView.as_view(), name="me"),
]
