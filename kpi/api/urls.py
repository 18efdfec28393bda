from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "kpi-api"

router = SimpleRouter()
router.register("kpi-targets", views.KpiTargetViewSet, basename="kpitarget")
router.register("tasks", views.TaskViewSet, basename="task")
urlpatterns = [
    path("kpis/", views.KpiViewSet.as_view({"get": "values"}), name="kpi-values"),
    path("kpis/rollup/", views.KpiViewSet.as_view({"post": "rollup"}), name="kpi-rollup"),
    *router.urls,
]
