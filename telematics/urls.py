"""Web pages of the telematics app."""
from django.urls import path  # noqa: F401

app_name = "telematics"
urlpatterns: list = []
