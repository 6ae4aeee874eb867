"""Web pages of the recorders app."""
from django.urls import path

from . import views

app_name = "recorders"
urlpatterns = [
    path("recorders/counter/", views.counter, name="counter"),
    path("recorders/checks/", views.checks, name="checks"),
    path("recorders/inspections/", views.inspections, name="inspections"),
]
