"""The DMS integration API, mounted at /api/: version 1 under /api/v1/, the OpenAPI schema and its docs.

Swagger UI is served from drf-spectacular-sidecar's static files: no asset comes from the internet.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

v1 = [
    path("", include("dealers.api.urls")),
    path("", include("workorders.api.urls")),
    path("", include("parts.api.urls")),
    path("", include("training.api.urls")),
    path("", include("kpi.api.urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
