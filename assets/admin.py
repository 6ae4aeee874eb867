"""Django admin for the registry (minimal; the admin issue extends it)."""
from django.contrib import admin

from .models import Asset, Category, ChangeRecord, CustodyEvent, ItemType, OrgUnit, Person, Profile

admin.site.register([Category, ItemType, Profile])


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "population")
    search_fields = ("code", "name")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("staff_no", "name", "unit", "role", "frontline", "status")
    search_fields = ("staff_no", "name")


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("tag", "category", "item", "unit", "status", "holder_person")
    search_fields = ("tag", "serial")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(CustodyEvent, ReadOnlyAdmin)
admin.site.register(ChangeRecord, ReadOnlyAdmin)
