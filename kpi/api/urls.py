from rest_framework.routers import SimpleRouter

from . import views

app_name = "kpi-api"

router = SimpleRouter()
router.register("kpis", views.KpiViewSet, basename="kpi")
router.register("kpi-targets", views.KpiTargetViewSet, basename="kpitarget")
router.register("tasks", views.TaskViewSet, basename="task")
urlpatterns = router.urls
