from rest_framework.routers import SimpleRouter

from . import views

app_name = "workorders-api"

router = SimpleRouter()
router.register("work-orders", views.WorkOrderViewSet, basename="workorder")
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("surveys", views.SurveyViewSet, basename="survey")
urlpatterns = router.urls
