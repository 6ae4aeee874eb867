"""Admin of notify: the delivery log and the report runs, read only (robots are left out: their URLs are secrets)."""
from django.contrib import admin

from assets import access
from assets.adminbase import ReadOnlyAdmin

from .models import Delivery, ReportRun


class AdministratorsOnly(ReadOnlyAdmin):
    """Other roles see their own deliveries and runs on the pages; the admin lists everyone's of the subtree."""

    def _may(self, request, action: str) -> bool:
        return access.user_role(request.user) == access.ADMIN and super()._may(request, action)


@admin.register(Delivery)
class DeliveryAdmin(AdministratorsOnly):
    list_display = ("created_at", "user", "channel", "purpose", "target", "status", "attempts", "sent_at")
    list_filter = ("channel", "purpose", "status")
    search_fields = ("target", "subject")
    exclude = ("robot",)


@admin.register(ReportRun)
class ReportRunAdmin(AdministratorsOnly):
    list_display = ("scheduled_for", "schedule", "period_start", "period_end", "status", "finished_at")
    list_filter = ("status",)
