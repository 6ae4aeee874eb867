"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("units", views.OrgUnitViewSet, basename="orgunit")
router.register("personnel", views.PersonViewSet, basename="person")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("item-types", views.ItemTypeViewSet, basename="itemtype")
router.register("assets", views.AssetViewSet, basename="asset")
router.register("custody-events", views.CustodyEventViewSet, basename="custodyevent")
router.register("change-records", views.ChangeRecordViewSet, basename="changerecord")
router.register("book-value", views.BookValueViewSet, basename="bookvalue")
router.register("disposals", views.DisposalRequestViewSet, basename="disposal")
router.register("users", views.UserViewSet, basename="user")
urlpatterns = router.urls
