"""Admin of the PIPL records: the track access log (read only) and the manual legal holds of fixes, whose release is
a date set rather than a deletion (the purge keeps nothing for a released hold)."""
from django.contrib import admin

from assets.adminbase import ReadOnlyAdmin, RestrictedAdmin

from .models import FixHold, TrackAccess


@admin.register(TrackAccess)
class TrackAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "plate", "start", "end", "purpose", "case_no", "reasons", "path")
    list_filter = ("reasons",)
    search_fields = ("username", "plate", "purpose", "case_no")
    date_hierarchy = "at"


@admin.register(FixHold)
class FixHoldAdmin(RestrictedAdmin):
    list_display = ("vehicle", "start", "end", "reason", "case_no", "created_by", "created_at", "released_at")
    search_fields = ("vehicle__plate", "reason", "case_no")
    list_select_related = ("vehicle",)
    fields = ("vehicle", "start", "end", "reason", "case_no", "released_at")

    def has_delete_permission(self, request, obj=None):
        return False  # a hold is released (released_at), so what was held and when stays on record

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user.get_username()
        if "released_at" in form.changed_data and obj.released_at is not None:
            obj.released_by = request.user.get_username()
        super().save_model(request, obj, form, change)
