"""Root URLs. Language comes from the session cookie / Accept-Language (LocaleMiddleware), not the path,
so links and bookmarks are the same in both languages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("kpi/", include("kpi.urls")),
    path("dealers/", include("dealers.urls")),
    path("digests/", include("digests.urls")),
    path("workorders/", include("workorders.urls")),
    path("p/", include("workorders.progress_urls")),
    path("parts/", include("parts.urls")),
    path("training/", include("training.urls")),
    path("api/", include("aftersales.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
