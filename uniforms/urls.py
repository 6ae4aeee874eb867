"""Web pages of the uniforms app."""
from django.urls import path  # noqa: F401

app_name = "uniforms"
urlpatterns: list = []
