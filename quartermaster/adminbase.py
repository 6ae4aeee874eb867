"""What every app's admin shares."""
from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the services (ledgers, histories, layer versions): viewed, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
