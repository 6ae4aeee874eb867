"""REST routes of compliance, mounted under /api/v1/."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ComplianceReportView, ComplianceSnapshotViewSet, ProcurementPlanView

router = SimpleRouter()
router.register("compliance/snapshots", ComplianceSnapshotViewSet, basename="compliance-snapshot")

urlpatterns = [
    path("compliance/", ComplianceReportView.as_view(), name="compliance-report"),
    path("procurement-plan/", ProcurementPlanView.as_view(), name="procurement-plan"),
    *router.urls,
]
