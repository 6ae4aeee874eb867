"""REST routes of notify, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

from .views import (
    DeliveryViewSet,
    NotificationViewSet,
    ReportRunViewSet,
    ReportScheduleViewSet,
    RobotViewSet,
    SubscriptionViewSet,
)

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("notify/robots", RobotViewSet, basename="notify-robot")
router.register("notify/subscriptions", SubscriptionViewSet, basename="notify-subscription")
router.register("notify/deliveries", DeliveryViewSet, basename="notify-delivery")
router.register("report-schedules", ReportScheduleViewSet, basename="report-schedule")
router.register("report-runs", ReportRunViewSet, basename="report-run")
urlpatterns = router.urls
