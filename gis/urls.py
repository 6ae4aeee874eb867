"""Web pages of the gis app."""
from django.urls import path  # noqa: F401

app_name = "gis"
urlpatterns: list = []
