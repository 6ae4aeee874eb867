"""Django admin of the recorders app: the records, read-only (they are written through the pages and the API, whose
services keep the ledger in step)."""
from django.contrib import admin

from assets.adminbase import ReadOnlyAdmin

from .models import FootageAccessLog, FootageInspection, FootageRecord, FootageRequest, RecorderCheck


@admin.register(RecorderCheck)
class RecorderCheckAdmin(ReadOnlyAdmin):
    list_display = ("asset", "checked_on", "kind", "result", "performed_by", "sent_to_repair")
    list_filter = ("kind", "result", "sent_to_repair")
    search_fields = ("asset__tag",)


@admin.register(FootageInspection)
class FootageInspectionAdmin(ReadOnlyAdmin):
    list_display = ("inspected_on", "unit", "inspector", "items_checked")
    search_fields = ("unit__code", "inspector")


@admin.register(FootageRecord)
class FootageRecordAdmin(ReadOnlyAdmin):
    list_display = ("asset", "recorded_on", "unit", "person", "recording_type", "evidence", "case_number", "status")
    list_filter = ("recording_type", "evidence", "status")
    search_fields = ("asset__tag", "case_number", "person__staff_no")


@admin.register(FootageRequest)
class FootageRequestAdmin(ReadOnlyAdmin):
    list_display = ("record", "kind", "status", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("kind", "status")


@admin.register(FootageAccessLog)
class FootageAccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "record", "action", "username")
    list_filter = ("action",)
