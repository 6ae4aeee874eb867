"""Web pages of the uniforms app."""
from django.urls import path

from . import inventory_views, views

app_name = "uniforms"
urlpatterns = [
    path("issue/", views.handover_screen, name="handover"),
    path("stocktake/", views.stocktake_screen, name="stocktake"),
    path("inventory/", inventory_views.inventory_list, name="inventories"),
    path("inventory/<int:pk>/", inventory_views.inventory_report, name="inventory"),
    path("stocktakes/", views.stocktake_list, name="stocktake-list"),
    path("people/<str:staff_no>/", views.person_detail, name="person-detail"),
    path("people/<str:staff_no>/departure/", views.departure_open_view, name="departure-open"),
    path("people/<str:staff_no>/return/", views.person_return_view, name="person-return"),
    path("departures/", views.departure_list, name="departure-list"),
    path("departures/<int:pk>/close/", views.departure_close_view, name="departure-close"),
]
