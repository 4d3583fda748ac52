from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from benchmarks.present.api.views import ApiDocsView
from cmbench import health, metrics

api_patterns = [
    path("", include("surveys.api.urls")),
    path("interviews/", include("interviews.api")),
    path("guides/", include("guides.api")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its start-up script and its page style as files, not inline:
    # the Content-Security-Policy refuses inline scripts and styles here as elsewhere.
    path("docs/", ApiDocsView.as_view(), name="api-docs"),
]

urlpatterns = [
    # First, one level deep: cohort lookups are the site's most frequent requests.
    path("api/v1/benchmarks/", include("benchmarks.present.api.urls")),
    path("healthz", health.healthz, name="healthz"),
    # Operators' metrics: a 404 unless METRICS_ENABLED, never anonymous (cmbench.metrics).
    path("metrics", metrics.metrics_view, name="metrics"),
    path("api/v1/", include(api_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("benchmarks.urls")),
    path("", include("surveys.urls")),
    path("interviews/", include("interviews.urls")),
    path("guides/", include("guides.urls")),
    path("", include("reports.urls")),
    prefix_default_language=False,
)

# JSON under /api/, the site's pages elsewhere; a database that cannot be
# reached is a 503, never a stack trace (cmbench.errors).
handler400 = "cmbench.errors.bad_request"
handler404 = "cmbench.errors.page_not_found"
handler500 = "cmbench.errors.server_error"
