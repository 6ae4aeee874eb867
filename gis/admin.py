"""Admin: layer versions are read-only history (imports go through `qm gis import` or the API)."""
from django.contrib import admin

from .models import LayerVersion


@admin.register(LayerVersion)
class LayerVersionAdmin(admin.ModelAdmin):
    list_display = ["layer", "version", "active", "feature_count", "repaired_count", "crs", "source_file",
                    "imported_by", "imported_at"]
    list_filter = ["layer", "active"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
