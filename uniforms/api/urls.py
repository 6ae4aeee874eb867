"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("entitlements", views.EntitlementViewSet, basename="entitlement")
router.register("officer-sizes", views.OfficerSizeViewSet, basename="officersize")
router.register("issue-rounds", views.IssueRoundViewSet, basename="issueround")
router.register("replacement-due", views.ReplacementDueViewSet, basename="replacementdue")
router.register("badges", views.BadgeViewSet, basename="badge")
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("certificate-losses", views.CertificateLossViewSet, basename="certificateloss")
router.register("seal-handovers", views.SealHandoverViewSet, basename="sealhandover")
router.register("seal-usages", views.SealUsageViewSet, basename="sealusage")
router.register("departures", views.DepartureViewSet, basename="departure")
router.register("handover", views.HandoverViewSet, basename="handover")
router.register("receipts", views.HandoverReceiptViewSet, basename="receipt")
router.register("labels", views.LabelViewSet, basename="label")
router.register("storage-places", views.StoragePlaceViewSet, basename="storageplace")
router.register("stocktakes", views.StocktakeViewSet, basename="stocktake")
router.register("annual-inventories", views.AnnualInventoryViewSet, basename="annualinventory")
urlpatterns = router.urls
