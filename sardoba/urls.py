"""Routes: the API under `/api/v1` (no trailing slash), Django admin, API docs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from sardoba.api.fallback import api_not_found
from sardoba.api.health import HealthView, LivenessView

api_v1 = [
    path("health", HealthView.as_view(), name="health"),
    path("health/live", LivenessView.as_view(), name="health-live"),
    path("", include("accounts.urls")),
    path("", include("cashback.urls")),
    path("", include("cashback.urls_sync")),
    path("", include("news.urls")),
    path("", include("catalog.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

if settings.API_DOCS_ENABLED:
    urlpatterns += [
        path(
            "api/v1/openapi.json", SpectacularAPIView.as_view(), name="openapi-schema"
        ),
        path(
            "docs",
            SpectacularSwaggerView.as_view(url_name="openapi-schema"),
            name="docs",
        ),
    ]

# Anything else under /api/ is a JSON 404, whatever the method and DEBUG.
urlpatterns += [re_path(r"^api/", csrf_exempt(api_not_found))]

handler404 = "sardoba.api.fallback.handler404"
handler500 = "sardoba.api.fallback.handler500"
