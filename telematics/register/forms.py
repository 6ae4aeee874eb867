"""The web forms of the use register: a fuel or cost entry (booked to one of the day's journeys or to the day) and an
odometer reading. They check shapes only; the rules are the services'."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from telematics.choices import CostKind


def journey_label(journey: dict) -> str:
    start = dt.datetime.fromisoformat(journey["start"])
    end = dt.datetime.fromisoformat(journey["end"])
    from telematics.journeys.choices import JourneyClass

    return (f"{start:%H:%M}–{end:%H:%M} {JourneyClass(journey['class']).label} "
            f"{journey['distance_m'] / 1000.0:.1f} km")


class CostEntryForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    journey = forms.ChoiceField(label=_("所属行程"), required=False)
    kind = forms.ChoiceField(label=_("费用类别"), choices=CostKind.choices)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, max_digits=10, decimal_places=2)
    litres = forms.DecimalField(label=_("加油量（升）"), required=False, min_value=0, max_digits=8, decimal_places=2)
    fuel_card = forms.CharField(label=_("油卡号"), required=False, max_length=32)
    odometer_km = forms.IntegerField(label=_("里程表读数（公里）"), required=False, min_value=0)
    receipt = forms.ImageField(label=_("票据照片"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, journeys: list[dict] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["journey"].choices = [("", _("不关联行程（计入当日）"))] + [
            (j["start"], journey_label(j)) for j in journeys]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        journey = data.pop("journey")
        data["journey_start"] = dt.datetime.fromisoformat(journey) if journey else None
        return data


class OdometerForm(forms.Form):
    read_at = forms.DateTimeField(label=_("读数时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
    km = forms.IntegerField(label=_("里程表读数（公里）"), min_value=0)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)
