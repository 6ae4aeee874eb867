"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("shifts", views.ShiftViewSet, basename="shift")
router.register("recorder-checks", views.RecorderCheckViewSet, basename="recordercheck")
router.register("footage-inspections", views.FootageInspectionViewSet, basename="footageinspection")
urlpatterns = router.urls
