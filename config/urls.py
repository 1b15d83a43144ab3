from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import language_switch
from config.health import healthz

# Swagger UI styles its widgets with inline <style>; its page shows only the schema, no user data.
api_docs = csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="api_schema")
)

urlpatterns = [
    path("", include("accounts.urls")),
    path("invoices/", include("invoices.urls")),
    path("capture/", include("ingest.urls")),
    path("reconcile/", include("reconcile.urls")),
    path("monitor/", include("monitor.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("api/", include("accounts.api_urls")),
    path("api/", include("invoices.api_urls")),
    path("api/", include("ingest.api_urls")),
    path("api/", include("reconcile.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", api_docs, name="api_docs"),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg")), name="favicon"),
]
