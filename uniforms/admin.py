"""Django admin of the uniforms app (Chinese labels come from the models' verbose names)."""
from django.contrib import admin

from assets.adminbase import ReadOnlyAdmin, RestrictedAdmin, RestrictedInline

from .models import (
    BadgeNumberRecord, CertificateLossReport, Departure, DepartureItem, Entitlement, HandoverReceipt, IssueRound,
    OfficerSize, SealHandover, SealUsage, Stocktake, StoragePlace,
)


@admin.register(Entitlement)
class EntitlementAdmin(RestrictedAdmin):
    list_display = ("item_type", "quantity", "service_years", "season", "active", "source")
    list_editable = ("quantity", "service_years", "season", "active")
    list_filter = ("season", "active")

    def save_model(self, request, obj, form, change):
        from .services import entitlement_set

        entitlement_set(item_type=obj.item_type, quantity=obj.quantity, service_years=obj.service_years,
                        season=obj.season, active=obj.active, source=obj.source)


@admin.register(OfficerSize)
class OfficerSizeAdmin(RestrictedAdmin):
    list_display = ("person", "item_type", "size")
    search_fields = ("person__staff_no", "person__name")
    list_filter = ("item_type",)


@admin.register(StoragePlace)
class StoragePlaceAdmin(RestrictedAdmin):
    list_display = ("code", "name", "unit")
    search_fields = ("code", "name")


@admin.register(HandoverReceipt)
class HandoverReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "person", "counterpart", "unit", "created_at", "username")
    list_filter = ("kind",)
    search_fields = ("number", "person__staff_no", "person__name")


@admin.register(IssueRound)
class IssueRoundAdmin(ReadOnlyAdmin):
    list_display = ("unit", "season", "on_date", "officers_count", "issued_count", "replaced_count", "receipt")


@admin.register(BadgeNumberRecord)
class BadgeNumberRecordAdmin(ReadOnlyAdmin):
    list_display = ("number", "person", "asset", "issued_on", "ended_on", "end_reason")
    search_fields = ("number", "person__name")


@admin.register(CertificateLossReport)
class CertificateLossReportAdmin(ReadOnlyAdmin):
    list_display = ("cert_no", "person", "date_lost", "date_reported", "reported_late", "replacement_no")
    list_filter = ("reported_late",)


@admin.register(SealHandover)
class SealHandoverAdmin(ReadOnlyAdmin):
    list_display = ("seal", "outgoing", "incoming", "at", "receipt")


@admin.register(SealUsage)
class SealUsageAdmin(ReadOnlyAdmin):
    list_display = ("seal", "used_on", "document", "used_by", "custodian")


class DepartureItemInline(RestrictedInline):
    model = DepartureItem
    extra = 0
    can_delete = False
    readonly_fields = ("asset", "return_to")


@admin.register(Departure)
class DepartureAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "effective", "closed_out", "closed_at")
    list_filter = ("kind", "closed_out")
    inlines = [DepartureItemInline]


@admin.register(Stocktake)
class StocktakeAdmin(ReadOnlyAdmin):
    list_display = ("unit", "place", "status", "started_at", "closed_at", "username")
