"""Web forms of the vehicle pages: the list's search and filters, and the records added to a vehicle's file. They
check shape only; telematics.services decides and records."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import MaintenanceKind, VehicleStatus
from .selectors import VehicleListFilters

LIVE_CHOICES = [("", _("全部")), ("moving", _("行驶")), ("stopped", _("停驶")), ("offline", _("离线")),
                ("alerts", _("有待处理告警"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VehicleListForm(forms.Form):
    """The list's query parameters; a bad value is ignored rather than refused (a list always shows)."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("车牌号/车架号/终端号/用车人"), "type": "search"}))
    unit = forms.ChoiceField(label=_("单位"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(VehicleStatus.choices))
    vehicle_type = forms.ChoiceField(label=_("车辆类型"), required=False)
    insurance_due = forms.IntegerField(label=_("保险到期（天内）"), required=False, min_value=0, max_value=3650,
                                       widget=forms.NumberInput(attrs={"style": "width:5em"}))
    inspection_due = forms.IntegerField(label=_("年检到期（天内）"), required=False, min_value=0, max_value=3650,
                                        widget=forms.NumberInput(attrs={"style": "width:5em"}))
    live = forms.ChoiceField(label=_("实时状态"), required=False, choices=LIVE_CHOICES)

    def __init__(self, data, *, units, vehicle_types):
        super().__init__(data)
        self.units = {str(u.pk): u for u in units}
        self.fields["unit"].choices = [("", _("全部"))] + [
            (str(u.pk), "　" * max(0, u.path.count("/") - 1) + u.name) for u in units]
        self.fields["vehicle_type"].choices = [("", _("全部"))] + [(t, t) for t in vehicle_types]

    def filters(self) -> VehicleListFilters:
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return VehicleListFilters(
            q=data.get("q") or "", unit=self.units.get(data.get("unit") or ""), status=data.get("status") or "",
            vehicle_type=data.get("vehicle_type") or "", insurance_due=data.get("insurance_due"),
            inspection_due=data.get("inspection_due"), live=data.get("live") or "")


class InsuranceForm(forms.Form):
    insurer = forms.CharField(label=_("保险公司"), max_length=100, required=False)
    policy_no = forms.CharField(label=_("保单号"), max_length=64, required=False)
    starts = forms.DateField(label=_("起保日期"), widget=DATE)
    expires = forms.DateField(label=_("到期日期"), widget=DATE)
    premium = forms.DecimalField(label=_("保费（元）"), required=False, min_value=0, max_digits=10, decimal_places=2)

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("expires") and data["expires"] < data["starts"]:
            self.add_error("expires", _("到期日期不能早于起保日期。"))
        return data


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=_("检验日期"), widget=DATE)
    expires = forms.DateField(label=_("有效期至"), widget=DATE)
    station = forms.CharField(label=_("检测机构"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("inspected_on") and data.get("expires") and data["expires"] < data["inspected_on"]:
            self.add_error("expires", _("有效期不能早于检验日期。"))
        return data


class MaintenanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=MaintenanceKind.choices)
    date = forms.DateField(label=_("日期"), widget=DATE)
    odometer_km = forms.IntegerField(label=_("里程（公里）"), required=False, min_value=0)
    work_done = forms.CharField(label=_("维修保养内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    cost = forms.DecimalField(label=_("费用（元）"), required=False, min_value=0, max_digits=10, decimal_places=2)
    workshop = forms.CharField(label=_("维修单位"), max_length=100, required=False)


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("照片"), widget=forms.ClearableFileInput(
        attrs={"accept": "image/jpeg,image/png,image/webp"}))
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)
    taken_on = forms.DateField(label=_("拍摄日期"), required=False, widget=DATE)
