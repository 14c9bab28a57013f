from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tanzim.common.file_views import user_file
from tanzim.web.signin import staff_login

# One sign-in path for staff: the admin's login page is ours, with its limits and second step.
admin.site.login = staff_login  # type: ignore[method-assign]

api_v1 = [
    # Each domain app owns its routes in api_urls.py (API) and urls.py (pages). Every API route
    # ends with a slash (docs/api.md); tanzim.common.middleware redirects a slash-less one with 308.
    path("", include("tanzim.accounts.api_urls")),
    path("", include("tanzim.catalog.api_urls")),
    path("", include("tanzim.finance.api_urls")),
    path("", include("tanzim.cases.api_urls")),
    path("", include("tanzim.scheduling.api_urls")),
    path("", include("tanzim.disputes.api_urls")),
    path("", include("tanzim.consult.api_urls")),
    path("", include("tanzim.partners.api_urls")),
    path("", include("tanzim.enforcement.api_urls")),
    path("", include("tanzim.feedback.api_urls")),
    path("", include("tanzim.inspections.api_urls")),
    path("", include("tanzim.outreach.api_urls")),
    path("", include("tanzim.ranking.api_urls")),
    path("", include("tanzim.membership.api_urls")),
    path("", include("tanzim.dashboards.api_urls")),
    path("", include("tanzim.opendata.api_urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # People's stored files, by signed short-lived links only (tanzim/common/files.py).
    path("files/<str:token>/<str:name>", user_file, name="user-file"),
    path("finance/", include("tanzim.finance.urls")),
    path("cases/", include("tanzim.cases.urls")),
    path("appointments/", include("tanzim.scheduling.urls")),
    path("disputes/", include("tanzim.disputes.urls")),
    path("feedback/", include("tanzim.feedback.urls")),
    path("inspections/", include("tanzim.inspections.urls")),
    path("ranking/", include("tanzim.ranking.urls")),
    path("consult/", include("tanzim.consult.urls")),
    path("partners/", include("tanzim.partners.urls")),
    path("enforcement/", include("tanzim.enforcement.urls")),
    path("outreach/", include("tanzim.outreach.urls")),
    path("membership/", include("tanzim.membership.urls")),
    path("dashboards/", include("tanzim.dashboards.urls")),
    path("open/", include("tanzim.opendata.urls")),
    path("", include("tanzim.web.urls")),
]
if settings.DEBUG or settings.EMBEDDED:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Under /api/ every answer is JSON in the error envelope, also the ones Django gives outside a view:
# an unknown route (404), a body over the limit (413), a CSRF refusal (403), a server error (500).
handler400 = "tanzim.common.error_views.bad_request"
handler403 = "tanzim.common.error_views.permission_denied"
handler404 = "tanzim.common.error_views.page_not_found"
handler500 = "tanzim.common.error_views.server_error"
