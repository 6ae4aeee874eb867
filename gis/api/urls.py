"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

from .views import (
    BaseMapViewSet,
    GridCellViewSet,
    JurisdictionViewSet,
    LayerVersionViewSet,
    PlaceViewSet,
    StreetViewSet,
    VenueViewSet,
)

router = SimpleRouter()
router.register("gis/layers", LayerVersionViewSet, basename="gis-layer")
router.register("gis/grid", GridCellViewSet, basename="gis-grid")
router.register("gis/venues", VenueViewSet, basename="gis-venue")
router.register("gis/jurisdictions", JurisdictionViewSet, basename="gis-jurisdiction")
router.register("gis/streets", StreetViewSet, basename="gis-street")
router.register("gis/places", PlaceViewSet, basename="gis-place")
router.register("gis/basemap", BaseMapViewSet, basename="gis-basemap")
urlpatterns = router.urls
