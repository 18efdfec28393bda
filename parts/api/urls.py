from rest_framework.routers import SimpleRouter

from . import views

app_name = "parts-api"

router = SimpleRouter()
router.register("parts", views.PartViewSet, basename="part")
router.register("stock", views.StockViewSet, basename="stock")
router.register("stock-movements", views.StockMovementViewSet, basename="stockmovement")
router.register("parts-orders", views.PartsOrderViewSet, basename="partsorder")
urlpatterns = router.urls
