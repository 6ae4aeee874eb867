"""Admin: layer versions are read-only history (imports go through `qm gis import` or the API)."""
from django.contrib import admin

from assets.adminbase import ReadOnlyAdmin

from .models import LayerVersion


@admin.register(LayerVersion)
class LayerVersionAdmin(ReadOnlyAdmin):
    list_display = ["layer", "version", "active", "feature_count", "repaired_count", "crs", "source_file",
                    "imported_by", "imported_at"]
    list_filter = ["layer", "active"]
