"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

from .views import (
    AlertViewSet,
    CoverageViewSet,
    DeadLetterViewSet,
    LatestPositionViewSet,
    MileageViewSet,
    TrackAccessViewSet,
    TrackViewSet,
)

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("deadletters", DeadLetterViewSet, basename="deadletter")
router.register("tracks", TrackViewSet, basename="track")
router.register("track-access", TrackAccessViewSet, basename="track-access")
router.register("mileage", MileageViewSet, basename="mileage")
router.register("coverage", CoverageViewSet, basename="coverage")
router.register("positions/latest", LatestPositionViewSet, basename="latest-position")
urlpatterns = router.urls
