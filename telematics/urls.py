"""Web pages of the telematics app: vehicle files and their dossiers, the fleet reports."""
from django.urls import path

from . import views
from .register import views as register_views
from .reports import views as report_views

app_name = "telematics"
urlpatterns = [
    path("vehicles/", views.vehicle_list, name="vehicle-list"),
    path("vehicles/<int:pk>/", views.vehicle_dossier, name="vehicle-dossier"),
    path("vehicles/<int:pk>/dossier.pdf", views.vehicle_dossier_pdf, name="vehicle-dossier-pdf"),
    path("vehicles/<int:pk>/livery-photo", views.vehicle_livery_photo, name="vehicle-livery-photo"),
    path("vehicles/<int:pk>/insurance/add/", views.vehicle_insurance_add, name="vehicle-insurance-add"),
    path("vehicles/<int:pk>/inspections/add/", views.vehicle_inspection_add, name="vehicle-inspection-add"),
    path("vehicles/<int:pk>/maintenance/add/", views.vehicle_maintenance_add, name="vehicle-maintenance-add"),
    path("vehicles/<int:pk>/photos/add/", views.vehicle_photo_add, name="vehicle-photo-add"),
    path("vehicles/photos/<int:pk>", views.vehicle_photo, name="vehicle-photo"),
    path("reports/", report_views.report_page, name="reports"),
    path("register/", register_views.register_page, name="register"),
    path("vehicles/<int:pk>/costs/add/", register_views.cost_add, name="vehicle-cost-add"),
    path("vehicles/<int:pk>/odometer/add/", register_views.odometer_add, name="vehicle-odometer-add"),
]
