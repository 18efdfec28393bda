from rest_framework.routers import SimpleRouter

from . import views

app_name = "training-api"

router = SimpleRouter()
router.register("technicians", views.TechnicianViewSet, basename="technician")
router.register("certifications", views.CertificationViewSet, basename="certification")
urlpatterns = router.urls
