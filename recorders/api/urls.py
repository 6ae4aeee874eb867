"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("shifts", views.ShiftViewSet, basename="shift")
router.register("recorder-checks", views.RecorderCheckViewSet, basename="recordercheck")
router.register("footage-inspections", views.FootageInspectionViewSet, basename="footageinspection")
router.register("footage", views.FootageRecordViewSet, basename="footage")
router.register("footage-requests", views.FootageRequestViewSet, basename="footagerequest")
router.register("footage-log", views.FootageAccessLogViewSet, basename="footagelog")
urlpatterns = router.urls
