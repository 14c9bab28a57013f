from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tanzim.accounts import api as accounts_api
from tanzim.catalog import api as catalog_api

api_v1 = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="auth-token"),
    path("auth/otp/request", accounts_api.OtpRequestView.as_view(), name="otp-request"),
    path("auth/otp/verify", accounts_api.OtpVerifyView.as_view(), name="otp-verify"),
    path("citizens/", accounts_api.CitizenSignupView.as_view(), name="citizen-signup"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("offices/", catalog_api.OfficeListView.as_view(), name="office-list"),
    path("services/", catalog_api.ServiceListView.as_view(), name="service-list"),
    path("fees/quote", catalog_api.FeeQuoteView.as_view(), name="fee-quote"),
    # Each domain app owns its routes in api_urls.py (API) and urls.py (pages).
    path("", include("tanzim.finance.api_urls")),
    path("", include("tanzim.cases.api_urls")),
    path("", include("tanzim.scheduling.api_urls")),
    path("", include("tanzim.disputes.api_urls")),
    path("", include("tanzim.feedback.api_urls")),
    path("", include("tanzim.inspections.api_urls")),
    path("", include("tanzim.ranking.api_urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("finance/", include("tanzim.finance.urls")),
    path("cases/", include("tanzim.cases.urls")),
    path("appointments/", include("tanzim.scheduling.urls")),
    path("disputes/", include("tanzim.disputes.urls")),
    path("feedback/", include("tanzim.feedback.urls")),
    path("inspections/", include("tanzim.inspections.urls")),
    path("ranking/", include("tanzim.ranking.urls")),
    path("", include("tanzim.web.urls")),
]
if settings.DEBUG or settings.EMBEDDED:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
