"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from django.urls import re_path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("vehicle-history", views.VehicleHistoryViewSet, basename="vehiclehistory")
router.register("terminal-bindings", views.TerminalBindingViewSet, basename="terminalbinding")
router.register("maintenance-records", views.MaintenanceRecordViewSet, basename="maintenancerecord")
router.register("insurance-policies", views.InsurancePolicyViewSet, basename="insurancepolicy")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("vehicle-seals", views.VehicleSealViewSet, basename="vehicleseal")
router.register("trips", views.TripViewSet, basename="trip")
router.register("duty-schedules", views.DutyScheduleViewSet, basename="dutyschedule")
router.register("holidays", views.HolidayViewSet, basename="holiday")
urlpatterns = [
    # SPEC spells the dossier without the router's trailing slash.
    # Any id the router's own routes take (so `-1` is a 404 here too, not a redirect to the slashed twin).
    re_path(r"^vehicles/(?P<pk>[^/.]+)/dossier\.pdf$", views.VehicleViewSet.as_view({"get": "dossier_pdf"}),
         name="vehicle-dossier-pdf-spec"),
    *router.urls,
]
