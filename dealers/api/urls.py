from rest_framework.routers import SimpleRouter

from . import views

app_name = "dealers-api"

router = SimpleRouter()
router.register("dealers", views.DealerViewSet, basename="dealer")
urlpatterns = router.urls
