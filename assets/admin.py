"""Django admin for the registry, usable by a logistics officer: what each user sees is cut to their unit
subtree and what they may change follows their role (as in the API), writes go through the services, custody
movements are admin actions, and the ledger and the change log are read-only."""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quartermaster.errors import DomainError

from . import access, services
from .adminbase import ReadOnlyAdmin, RestrictedAdmin
from .labels import asset_label
from .models import Asset, Category, ChangeRecord, CustodyEvent, ItemType, OrgUnit, Person, Profile

admin.site.site_header = _("Quartermaster 装备管理")
admin.site.site_title = _("Quartermaster 装备管理")


class RoleScopedAdmin(RestrictedAdmin):
    """Registry admin: who may look and change follows assets.access; nobody deletes registry rows (people leave by
    status, assets by retirement); a service refusal is shown on the form."""

    can_delete = False

    def has_delete_permission(self, request, obj=None):
        return self.can_delete and super().has_delete_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A service refusal rolls the whole save back (the view runs in one transaction) and is shown to the user.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def changes(form) -> dict:
        return {name: form.cleaned_data[name] for name in form.changed_data}

    @staticmethod
    def adopt(obj, saved) -> None:
        """Makes the admin's form instance the row the service saved (the admin logs and redirects with it)."""
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()


@admin.register(OrgUnit)
class OrgUnitAdmin(RoleScopedAdmin):
    list_display = ("code", "name", "kind", "parent", "population", "depot_lat", "depot_lon", "depot_radius_m")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    ordering = ("path",)
    readonly_fields = ("path", "depth")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("code",) if obj else ())

    def save_model(self, request, obj, form, change):
        parent = form.cleaned_data.get("parent")
        if parent is None and not access.whole_bureau(request.user):
            raise DomainError(_("只有全局管理员可以新建根单位"))
        if change:
            saved = services.unit_update(unit=obj, **self.changes(form))
        else:
            saved = services.unit_create(code=obj.code, name=obj.name, kind=obj.kind, parent=parent,
                                         population=obj.population, depot_lat=obj.depot_lat, depot_lon=obj.depot_lon,
                                         depot_radius_m=obj.depot_radius_m)
        self.adopt(obj, saved)


@admin.register(Person)
class PersonAdmin(RoleScopedAdmin):
    list_display = ("staff_no", "name", "unit", "role", "frontline", "status", "cert_expires")
    list_filter = ("role", "status", "frontline")
    search_fields = ("staff_no", "name", "cert_no", "badge_no")
    list_select_related = ("unit",)

    def get_readonly_fields(self, request, obj=None):
        return ("staff_no",) if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.person_update(person=obj, **self.changes(form))
        else:
            fields = ("staff_no", "name", "unit", "role", "frontline", "status", "cert_no", "cert_expires", "badge_no")
            saved = services.person_create(**{name: form.cleaned_data.get(name) for name in fields})
        self.adopt(obj, saved)


@admin.register(Category)
class CategoryAdmin(RoleScopedAdmin):
    list_display = ("code", "name", "name_en", "officer_only", "depreciation_years")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()


@admin.register(ItemType)
class ItemTypeAdmin(RoleScopedAdmin):
    list_display = ("category", "code", "name", "name_en", "service_years")
    list_filter = ("category",)
    search_fields = ("code", "name", "name_en")


@admin.display(description=_("变动后状态"))
def state_after(event) -> str:
    return event.get_status_after_display()


@admin.display(description=_("变动后所属单位"))
def unit_after(event) -> str:
    return str(event.unit_after)


@admin.display(description=_("变动后持有人"))
def holder_after(event) -> str:
    return str(event.holder_person_after or event.holder_unit_after or "-")


@admin.display(description=_("经办人"))
def actor(event) -> str:
    return event.username or "-"


@admin.display(description=_("来源"))
def source(event) -> str:
    return event.source or "-"


class CustodyEventInline(admin.TabularInline):
    """The asset's ledger, oldest first, on its page; entries are never edited here."""

    model = CustodyEvent
    fields = ("occurred_at", "action", "person", "unit", state_after, unit_after, holder_after, "date_lost",
              "date_reported", "receipt_no", "note", actor, source)
    readonly_fields = fields
    ordering = ("occurred_at", "id")
    extra = 0
    can_delete = False
    verbose_name = _("保管记录")
    verbose_name_plural = pgettext_lazy("plural", "保管台账")

    def has_view_permission(self, request, obj=None):
        return access.may(request.user, access.VIEW, CustodyEvent)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CustodyInputsForm(forms.Form):
    """The inputs some custody actions need."""

    person = forms.CharField(label=_("人员工号"), required=False, help_text=_("发放给个人"))
    unit = forms.CharField(label=_("单位代码"), required=False, help_text=_("发放给单位，或调拨的目标单位"))
    date_lost = forms.DateField(label=_("遗失日期"), required=False)
    receipt_no = forms.CharField(label=_("单据号"), required=False)
    note = forms.CharField(label=_("备注"), required=False)


class CustodyActionForm(ActionForm, CustodyInputsForm):
    """The action menu of the asset list with the custody inputs beside it."""


def _inputs(request) -> dict:
    """The action form's values with the person and unit codes looked up inside the user's scope."""
    form = CustodyInputsForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
        raise DomainError(_("请检查输入：%(errors)s"), errors=errors)
    data = form.cleaned_data
    person = unit = None
    if data["person"]:
        person = Person.objects.select_related("unit").filter(staff_no=data["person"]).first()
        if person is None or not access.unit_in_scope(request.user, person.unit):
            raise DomainError(_("工号 %(no)s 不存在或不在您的管辖范围内"), no=data["person"])
    if data["unit"]:
        unit = OrgUnit.objects.filter(code=data["unit"]).first()
        if unit is None or not access.unit_in_scope(request.user, unit):
            raise DomainError(_("单位 %(unit_code)s 不存在或不在您的管辖范围内"), unit_code=data["unit"])
    return {"person": person, "unit": unit, "date_lost": data["date_lost"], "receipt_no": data["receipt_no"],
            "note": data["note"]}


def _issue(asset, values):
    return services.asset_issue(asset=asset, person=values["person"], unit=values["unit"],
                                receipt_no=values["receipt_no"], note=values["note"])


def _transfer(asset, values):
    if values["unit"] is None:
        raise DomainError(_("调拨需要填写目标单位代码"))
    return services.asset_transfer(asset=asset, to_unit=values["unit"], note=values["note"])


def _report_lost(asset, values):
    if values["date_lost"] is None:
        raise DomainError(_("报失需要填写遗失日期"))
    return services.asset_report_lost(asset=asset, date_lost=values["date_lost"], note=values["note"])


CUSTODY_ADMIN_ACTIONS = (
    ("issue", _("发放所选装备（填写人员工号或单位代码）"), _issue),
    ("return", _("归还所选装备"),
     lambda asset, v: services.asset_return(asset=asset, receipt_no=v["receipt_no"], note=v["note"])),
    ("transfer", _("调拨所选装备（填写目标单位代码）"), _transfer),
    ("report_lost", _("报失所选装备（填写遗失日期）"), _report_lost),
    ("repair_out", _("送修所选装备"), lambda asset, v: services.asset_repair_out(asset=asset, note=v["note"])),
    ("repair_in", _("所选装备修回入库"), lambda asset, v: services.asset_repair_in(asset=asset, note=v["note"])),
    ("retire", _("报废所选装备"), lambda asset, v: services.asset_retire(asset=asset, note=v["note"])),
)


def _custody_action(name, label, run):
    def custody(modeladmin, request, queryset):
        """All selected assets move, or none: the first refusal names the asset and undoes the batch."""
        try:
            with transaction.atomic():
                values = _inputs(request)
                done = 0
                for asset in queryset.order_by("tag"):
                    try:
                        run(asset, values)
                    except DomainError as exc:
                        raise DomainError(_("%(asset)s：%(reason)s"), asset=asset_label(asset), reason=exc) from exc

                    done += 1
        except DomainError as exc:
            modeladmin.message_user(request, _("未执行：%(error)s") % {"error": exc}, messages.ERROR)
            return
        modeladmin.message_user(request, _("%(action)s：%(count)d 件") % {"action": label, "count": done},
                                messages.SUCCESS)

    custody.__name__ = name
    return admin.action(description=label, permissions=["change"])(custody)


@admin.register(Asset)
class AssetAdmin(RoleScopedAdmin):
    """Adding an asset receives it into stock; unit, status and holder change only through the custody actions."""

    list_display = ("tag", "category", "item", "unit", "status", "holder_person", "holder_unit", "acquired")
    list_filter = ("status", "category")
    search_fields = ("tag", "serial", "item", "model", "holder_person__staff_no", "holder_person__name")
    list_select_related = ("category", "unit", "holder_person", "holder_unit")
    readonly_fields = ("status", "holder_person", "holder_unit")
    inlines = (CustodyEventInline,)
    action_form = CustodyActionForm
    actions = [_custody_action(*spec) for spec in CUSTODY_ADMIN_ACTIONS]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("unit",) if obj else ())

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.asset_update(asset=obj, **self.changes(form))
        else:
            fields = ("tag", "category", "item", "unit", "serial", "model", "size", "acquired", "service_years",
                      "price", "finance_card_no")
            values = {name: form.cleaned_data.get(name) for name in fields}
            values["finance_card_no"] = values["finance_card_no"] or ""
            saved = services.asset_create(**values)
        self.adopt(obj, saved)


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "asset", "action", "person", "unit", state_after, holder_after, actor, source)
    list_filter = ("action", "source")
    search_fields = ("asset__tag", "person__staff_no", "person__name", "receipt_no", "note")
    list_select_related = ("asset", "person", "unit")
    date_hierarchy = "occurred_at"


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "source", "action", "content_type", "object_repr")
    list_filter = ("source", "action", "content_type")
    search_fields = ("object_repr", "username", "object_id")
    list_select_related = ("content_type",)
    date_hierarchy = "at"


@admin.register(Profile)
class ProfileAdmin(RoleScopedAdmin):
    """Users' roles and scopes: the administrator's alone."""

    list_display = ("user", "role", "unit", "person")
    list_filter = ("role",)
    can_delete = True

    def save_model(self, request, obj, form, change):
        if not access.unit_in_scope(request.user, obj.unit):
            raise DomainError(_("只有全局管理员可以授予全局范围"))
        super().save_model(request, obj, form, change)
