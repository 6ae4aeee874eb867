"""Django admin of vehicle files, duty calendars and trips: every write goes through telematics.services, so the
admin keeps the same rules and histories as the API (a refused change is shown as an error, nothing saved)."""
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from assets.adminbase import ReadOnlyAdmin, RestrictedAdmin, RestrictedInline
from quartermaster.errors import DomainError

from . import services
from .models import (
    DutySchedule, Holiday, Inspection, InsurancePolicy, MaintenanceRecord, OdometerReading, TerminalBinding, Trip,
    Vehicle, VehicleCost, VehicleHistory, VehicleSeal,
)
from .register import services as register_services


def _adopt(obj, saved) -> None:
    """The admin goes on with the form's instance (log entry, redirect): give it the row the service saved."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False
    obj._state.db = saved._state.db


class ServiceAdmin(RestrictedAdmin):
    """A DomainError from a service becomes an error message on the same form; the transaction is rolled back."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class AddOnlyAdmin(ServiceAdmin):
    """Records of the vehicle file: added through their service, then kept as written."""

    create_service = None

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.fields}
        _adopt(obj, type(self).create_service(**fields))


class VehicleHistoryInline(RestrictedInline):
    model = VehicleHistory
    extra = 0
    can_delete = False
    fields = readonly_fields = ("effective", "change", "unit", "status", "note", "username")

    def has_add_permission(self, request, obj=None):
        return False


class TerminalBindingInline(RestrictedInline):
    model = TerminalBinding
    extra = 0
    can_delete = False
    fields = readonly_fields = ("terminal_id", "bound_at", "unbound_at", "username")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Vehicle)
class VehicleAdmin(ServiceAdmin):
    """Unit, status and terminal change through the API's actions (transfer, change_status, bind_terminal), which
    keep their histories; here they are set only when the file is opened."""

    list_display = ("plate", "unit", "vehicle_type", "seats", "status", "terminal_id", "livery_compliant",
                    "insurance_expires", "inspection_expires")
    list_filter = ("status", "livery_compliant", "unit")
    search_fields = ("plate", "vin", "terminal_id")
    list_select_related = ("unit",)
    inlines = [VehicleHistoryInline, TerminalBindingInline]
    fields = ("plate", "unit", "status", "terminal_id", "vin", "vehicle_type", "seats", "acquired",
              "insurance_expires", "inspection_expires", "livery_compliant", "livery_photo")
    _ON_OPEN_ONLY = ("plate", "unit", "status", "terminal_id")

    def get_readonly_fields(self, request, obj=None):
        return self._ON_OPEN_ONLY if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # a vehicle leaves by retirement; its file stays

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            fields = {name: data[name] for name in form.fields if name != "livery_photo"}
            saved = services.vehicle_create(**fields)
            if data.get("livery_photo"):
                saved = services.vehicle_set_livery(vehicle=saved, compliant=saved.livery_compliant,
                                                    photo=data["livery_photo"])
        else:
            vehicle = Vehicle.objects.get(pk=obj.pk)
            changed = {name: data[name] for name in form.changed_data
                       if name not in ("livery_compliant", "livery_photo")}
            saved = services.vehicle_update(vehicle=vehicle, **changed) if changed else vehicle
            if {"livery_compliant", "livery_photo"} & set(form.changed_data):
                photo = data.get("livery_photo") if "livery_photo" in form.changed_data else None
                saved = services.vehicle_set_livery(vehicle=saved, compliant=data["livery_compliant"], photo=photo)
        _adopt(obj, saved)


@admin.register(VehicleHistory)
class VehicleHistoryAdmin(ReadOnlyAdmin):
    list_display = ("vehicle", "effective", "change", "unit", "status", "note", "username")
    list_filter = ("change", "status")
    search_fields = ("vehicle__plate",)
    list_select_related = ("vehicle", "unit")


@admin.register(TerminalBinding)
class TerminalBindingAdmin(ReadOnlyAdmin):
    list_display = ("terminal_id", "vehicle", "bound_at", "unbound_at", "username")
    search_fields = ("terminal_id", "vehicle__plate")
    list_select_related = ("vehicle",)


@admin.register(MaintenanceRecord)
class MaintenanceRecordAdmin(AddOnlyAdmin):
    list_display = ("vehicle", "date", "kind", "odometer_km", "work_done", "cost", "workshop")
    list_filter = ("kind",)
    search_fields = ("vehicle__plate", "workshop", "work_done")
    list_select_related = ("vehicle",)
    fields = ("vehicle", "kind", "date", "odometer_km", "work_done", "cost", "workshop")
    create_service = staticmethod(services.maintenance_record_create)


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(AddOnlyAdmin):
    list_display = ("vehicle", "insurer", "policy_no", "starts", "expires", "premium")
    search_fields = ("vehicle__plate", "policy_no", "insurer")
    list_select_related = ("vehicle",)
    fields = ("vehicle", "insurer", "policy_no", "starts", "expires", "premium")
    create_service = staticmethod(services.insurance_policy_create)


@admin.register(Inspection)
class InspectionAdmin(AddOnlyAdmin):
    list_display = ("vehicle", "inspected_on", "expires", "station", "note")
    search_fields = ("vehicle__plate", "station")
    list_select_related = ("vehicle",)
    fields = ("vehicle", "inspected_on", "expires", "station", "note")
    create_service = staticmethod(services.inspection_create)


@admin.register(VehicleSeal)
class VehicleSealAdmin(AddOnlyAdmin):
    list_display = ("vehicle", "sealed_from", "sealed_to", "key_holder", "note", "username")
    search_fields = ("vehicle__plate", "key_holder")
    list_select_related = ("vehicle",)
    fields = ("vehicle", "sealed_from", "sealed_to", "key_holder", "photo", "note")
    create_service = staticmethod(services.vehicle_seal)


@admin.register(Trip)
class TripAdmin(ServiceAdmin):
    """Added as a request; approved, refused or cancelled with the list's actions. A decided trip is not edited."""

    list_display = ("vehicle", "start", "end", "purpose", "destination", "status", "requested_by", "approved_by")
    list_filter = ("status",)
    search_fields = ("vehicle__plate", "purpose", "destination")
    list_select_related = ("vehicle",)
    date_hierarchy = "start"
    fields = ("vehicle", "start", "end", "purpose", "destination", "dest_lat", "dest_lon", "dest_radius_m", "driver",
              "passengers")
    actions = ["approve", "refuse", "cancel"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return self.fields + ("status", "requested_by", "approved_by", "decided_at", "decision_note")

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj is not None else self.fields

    def has_delete_permission(self, request, obj=None):
        return False  # a trip is withdrawn by cancelling it; the record stays

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only once requested
        _adopt(obj, services.trip_request(**{name: form.cleaned_data[name] for name in self.fields}))

    def _decide(self, request, queryset, decide, done: str) -> None:
        count = 0
        for trip in queryset:
            try:
                decide(trip)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("批准所选派车单"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, lambda t: services.trip_approve(trip=t, user=request.user),
                     _("已批准 %(count)d 张派车单"))

    @admin.action(description=_("驳回所选派车单"), permissions=["change"])
    def refuse(self, request, queryset):
        self._decide(request, queryset, lambda t: services.trip_refuse(trip=t, user=request.user),
                     _("已驳回 %(count)d 张派车单"))

    @admin.action(description=_("取消所选派车单"), permissions=["change"])
    def cancel(self, request, queryset):
        self._decide(request, queryset, lambda t: services.trip_cancel(trip=t), _("已取消 %(count)d 张派车单"))


@admin.register(DutySchedule)
class DutyScheduleAdmin(ServiceAdmin):
    list_display = ("unit", "weekdays", "start", "end")
    list_filter = ("unit",)
    search_fields = ("unit__code", "unit__name")
    list_select_related = ("unit",)
    fields = ("unit", "weekdays", "start", "end")

    def get_readonly_fields(self, request, obj=None):
        return ("unit",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.duty_schedule_update(schedule=DutySchedule.objects.get(pk=obj.pk),
                                                  weekdays=data["weekdays"], start=data["start"], end=data["end"])
        else:
            saved = services.duty_schedule_create(unit=data["unit"], weekdays=data["weekdays"], start=data["start"],
                                                  end=data["end"])
        _adopt(obj, saved)

    def delete_model(self, request, obj):
        services.duty_schedule_delete(schedule=obj)

    def delete_queryset(self, request, queryset):
        for schedule in queryset:
            services.duty_schedule_delete(schedule=schedule)


@admin.register(Holiday)
class HolidayAdmin(ServiceAdmin):
    """Overrides chinese-calendar for a date: `holiday` = no duty, `workday` = adjusted working day (Monday's
    schedule)."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    fields = ("date", "kind", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("date",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        date = obj.date if change else data["date"]
        _adopt(obj, services.holiday_set(date=date, kind=data["kind"], name=data.get("name", "")))

    def delete_model(self, request, obj):
        services.holiday_delete(holiday=obj)

    def delete_queryset(self, request, queryset):
        for holiday in queryset:
            services.holiday_delete(holiday=holiday)


@admin.register(VehicleCost)
class VehicleCostAdmin(AddOnlyAdmin):
    list_display = ("vehicle", "date", "kind", "amount", "litres", "fuel_card", "journey_start", "entered_by")
    list_filter = ("kind",)
    search_fields = ("vehicle__plate", "fuel_card", "note")
    list_select_related = ("vehicle",)
    date_hierarchy = "date"
    fields = ("vehicle", "date", "kind", "amount", "litres", "fuel_card", "odometer_km", "journey_start", "receipt",
              "note")
    create_service = staticmethod(register_services.cost_entry_create)


@admin.register(OdometerReading)
class OdometerReadingAdmin(AddOnlyAdmin):
    list_display = ("vehicle", "read_at", "km", "note", "entered_by")
    search_fields = ("vehicle__plate",)
    list_select_related = ("vehicle",)
    fields = ("vehicle", "read_at", "km", "note")
    create_service = staticmethod(register_services.odometer_reading_create)
