from django.urls import path

from . import views

app_name = "kpi"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("league/", views.league, name="league"),
    path("league/export.<str:fmt>", views.league_export, name="league_export"),
    path("trends/", views.trends, name="trends"),
    path("<slug:code>/", views.kpi_detail, name="kpi_detail"),
]
