"""Web pages of the uniforms app."""
from django.urls import path

from . import views

app_name = "uniforms"
urlpatterns = [
    path("issue/", views.handover_screen, name="handover"),
    path("stocktake/", views.stocktake_screen, name="stocktake"),
    path("inventory/", views.inventory_list, name="inventories"),
    path("inventory/<int:pk>/", views.inventory_report, name="inventory"),
]
