"""Django admin of the recorders app: the records, read-only (they are written through the pages and the API, whose
services keep the ledger in step)."""
from django.contrib import admin

from assets.adminbase import ReadOnlyAdmin

from .models import FootageInspection, RecorderCheck


@admin.register(RecorderCheck)
class RecorderCheckAdmin(ReadOnlyAdmin):
    list_display = ("asset", "checked_on", "kind", "result", "performed_by", "sent_to_repair")
    list_filter = ("kind", "result", "sent_to_repair")
    search_fields = ("asset__tag",)


@admin.register(FootageInspection)
class FootageInspectionAdmin(ReadOnlyAdmin):
    list_display = ("inspected_on", "unit", "inspector", "items_checked")
    search_fields = ("unit__code", "inspector")
