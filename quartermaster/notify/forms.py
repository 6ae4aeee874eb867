"""Forms of the notify pages (shape only; the services check scope and meaning)."""
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from telematics.tracking.choices import AlertKind

from .choices import ROBOTS, Frequency, Severity
from .reports import REPORT_KINDS


class RobotForm(forms.Form):
    channel = forms.ChoiceField(label=_("渠道"), choices=[(c.value, c.label) for c in ROBOTS])
    name = forms.CharField(label=_("名称"), max_length=100)
    url = forms.URLField(label=_("Webhook 地址"), max_length=500, assume_scheme="https")
    secret = forms.CharField(label=_("加签密钥（钉钉，可选）"), max_length=200, required=False,
                             widget=forms.PasswordInput(render_value=False))


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kinds = forms.MultipleChoiceField(label=_("告警类型（不选＝全部）"), choices=AlertKind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    units = forms.MultipleChoiceField(label=_("单位（不选＝本人权限范围内全部）"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    min_severity = forms.TypedChoiceField(label=_("最低严重程度"), choices=Severity.choices, coerce=int,
                                          initial=Severity.LOW)
    in_app = forms.BooleanField(label=_("站内消息"), required=False, initial=True)
    email = forms.BooleanField(label=_("电子邮件"), required=False)
    robots = forms.MultipleChoiceField(label=_("群机器人"), required=False, widget=forms.CheckboxSelectMultiple)
    immediate = forms.BooleanField(label=_("即时通知"), required=False, initial=True)
    digest = forms.BooleanField(label=_("每日汇总"), required=False)

    def __init__(self, *args, units=(), robots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = [(u.code, f"{u.name}（{u.code}）") for u in units]
        self.fields["robots"].choices = [(str(r.pk), r.name) for r in robots]


class ScheduleForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("报表"), choices=[])
    standard = forms.ChoiceField(label=_("标准（合规核查）"), choices=[("jiangsu", "jiangsu"), ("model", "model")],
                                 required=False)
    units = forms.MultipleChoiceField(label=_("单位"), widget=forms.CheckboxSelectMultiple)
    frequency = forms.ChoiceField(label=_("频率"), choices=Frequency.choices)
    weekday = forms.IntegerField(label=_("星期（每周：1–7）"), min_value=1, max_value=7, initial=1)
    day = forms.IntegerField(label=_("日（每月：1–28）"), min_value=1, max_value=28, initial=1)
    hour = forms.IntegerField(label=_("时（0–23）"), min_value=0, max_value=23, initial=8)
    format = forms.ChoiceField(label=_("格式"), choices=[(f, f.upper()) for f in ("xlsx", "pdf", "csv", "json",
                                                                                   "html")])
    language = forms.ChoiceField(label=_("语言"), choices=settings.LANGUAGES)
    recipients = forms.CharField(label=_("收件人（每行一个）"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, v.label) for k, v in REPORT_KINDS.items()]
        self.fields["units"].choices = [(u.code, f"{u.name}（{u.code}）") for u in units]
