"""The customer's progress link, mounted at /p/ (outside the logged-in portal)."""

from django.urls import path

from .views import progress

app_name = "progress"

urlpatterns = [
    path("<str:token>/", progress.progress_page, name="page"),
    path("<str:token>/status.json", progress.progress_status, name="status"),
]
