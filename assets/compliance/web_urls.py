"""Auditor report pages."""
urlpatterns: list = []
