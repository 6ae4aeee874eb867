"""REST routes of tracks and trips, mounted under /api/v1/ by api.urls."""
from django.urls import path

from .views import UnitJourneyViewSet
from .views import VehicleJourneyViewSet as V

# Mapped by hand (the router owns vehicles/), so each action's own options (its renderers) are passed on here.
urlpatterns = [
    path("vehicles/<int:pk>/track/", V.as_view({"get": "track"}, **V.track.kwargs), name="vehicle-track"),
    path("vehicles/<int:pk>/journeys/", V.as_view({"get": "journeys"}, **V.journeys.kwargs), name="vehicle-journeys"),
    path("vehicles/<int:pk>/journeys/late-order/", V.as_view({"post": "late_order"}, **V.late_order.kwargs),
         name="vehicle-late-order"),
    path("journeys/", UnitJourneyViewSet.as_view({"get": "list"}), name="unit-journeys"),
]
