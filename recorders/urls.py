"""Web pages of the recorders app."""
from django.urls import path

from . import footage_views, views

app_name = "recorders"
urlpatterns = [
    path("recorders/counter/", views.counter, name="counter"),
    path("recorders/checks/", views.checks, name="checks"),
    path("recorders/inspections/", views.inspections, name="inspections"),
    path("recorders/footage/", footage_views.footage_list, name="footage"),
    path("recorders/footage/log/", footage_views.footage_log, name="footage-log"),
    path("recorders/footage/<int:pk>/", footage_views.footage_detail, name="footage-detail"),
]
