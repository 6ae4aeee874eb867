"""Auditor report pages, and the logistics officers' procurement plan."""
from django.urls import path

from . import views

urlpatterns = [
    path("compliance/", views.report_page, name="compliance"),
    path("compliance/compare/", views.compare_page, name="compliance-compare"),
    path("compliance/evidence/", views.evidence_page, name="compliance-evidence"),
    path("compliance/snapshots/", views.snapshots_page, name="compliance-snapshots"),
    path("compliance/snapshots/<int:pk>/", views.snapshot_page, name="compliance-snapshot"),
    path("procurement/", views.procurement_page, name="procurement"),
]
