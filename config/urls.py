"""The site's URLs: each app's pages and API (its urls.py and api_urls.py), included by name so that
config, at the bottom of the layers, imports none of the apps (docs/architecture.md)."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from config.views import home

admin.site.site_header = "Continuum administration"
admin.site.site_title = "Continuum administration"

# The apps in the order of the layers, lowest first; an app's pages and API are found under its own.
APPS = [
    "accounts",
    "cases",
    "escalation",
    "assessments",
    "pathways",
    "referrals",
    "stepdown",
    "fgc",
    "disagreements",
    "audit",
    "returns",
]
API_APPS = APPS  # accounts: the user's own API tokens

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("oidc/", include("accounts.oidc_urls")),  # single sign-on (404 while it is not set up)
    *(path("", include(f"{app}.urls")) for app in APPS if app != "accounts"),
    path("admin/", admin.site.urls),
    *(path("api/v1/", include(f"{app}.api_urls")) for app in API_APPS),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles; allow them on this one page only.
    path(
        "api/docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
            login_required(
                SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html")
            )
        ),
        name="api-docs",
    ),
    path("healthz", healthz, name="healthz"),
]

# Errors in the service's layout (templates/400.html, 403.html, 404.html); the 500 page needs no
# request context, since the request context may be what failed (config/errors.py).
handler500 = "config.errors.server_error"
