"""Notify's tables: who wants what (subscriptions, robots), the outbox of raised alerts, in-app messages, the
delivery log that is also the queue of outgoing messages, and scheduled reports with their runs and files."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.access import RestrictedQuerySet
from assets.models import OrgUnit

from .choices import Channel, DeliveryStatus, Frequency, Purpose, RunStatus, Severity

User = settings.AUTH_USER_MODEL


class Robot(models.Model):
    """A group robot (企业微信 or 钉钉 webhook) a user posts to; the URL and secret are secrets, never shown back."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notify_robots", verbose_name=_("用户"))
    channel = models.CharField(_("渠道"), max_length=16, choices=[(c.value, c.label) for c in (Channel.WECOM,
                                                                                                Channel.DINGTALK)])
    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = pgettext_lazy("plural", "群机器人")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """A user's wish: alerts of these kinds (none: all), in these units (none: the user's whole scope), of at least
    this severity, through these channels, at once and/or in the daily digest. The user's scope always applies."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notify_subscriptions",
                             verbose_name=_("用户"))
    name = models.CharField(_("名称"), max_length=100)
    kinds = models.JSONField(_("告警类型"), default=list, blank=True)
    units = models.ManyToManyField(OrgUnit, blank=True, related_name="+", verbose_name=_("单位"))
    min_severity = models.PositiveSmallIntegerField(_("最低严重程度"), choices=Severity.choices, default=Severity.LOW)
    in_app = models.BooleanField(_("站内消息"), default=True)
    email = models.BooleanField(_("电子邮件"), default=False)
    robots = models.ManyToManyField(Robot, blank=True, related_name="subscriptions", verbose_name=_("群机器人"))
    immediate = models.BooleanField(_("即时通知"), default=True)
    digest = models.BooleanField(_("每日汇总"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知订阅")
        verbose_name_plural = pgettext_lazy("plural", "通知订阅")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def kind_labels(self) -> list[str]:
        from telematics.tracking.choices import AlertKind

        return [str(AlertKind(k).label) if k in AlertKind.values else k for k in self.kinds]


class AlertNotice(models.Model):
    """The outbox: one row per raised alert, written in the ingest's transaction; `qm notify` fans it out to the
    subscribers, so the ingest never waits on a mail server."""

    alert = models.OneToOneField("tracking.Alert", on_delete=models.CASCADE, related_name="notice")
    created_at = models.DateTimeField(auto_now_add=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("告警待通知")
        verbose_name_plural = pgettext_lazy("plural", "告警待通知")
        indexes = [models.Index(fields=["id"], condition=models.Q(fanned_out_at__isnull=True),
                                name="alertnotice_pending")]


class Notification(models.Model):
    """An in-app message: the bell in the top bar counts the unread ones."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("用户"))
    purpose = models.CharField(_("类别"), max_length=16, choices=Purpose.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True, default="")
    link = models.CharField(_("链接"), max_length=300, blank=True, default="")
    alert = models.ForeignKey("tracking.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = pgettext_lazy("plural", "站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]


class ReportSchedule(models.Model):
    """A report a user has e-mailed on a schedule: a kind of the registry (notify.reports), units, format."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="report_schedules",
                              verbose_name=_("创建人"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("报表"), max_length=32)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    units = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("单位"))
    frequency = models.CharField(_("频率"), max_length=16, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(_("星期"), default=1, help_text=_("每周：1＝星期一 … 7＝星期日"))
    day = models.PositiveSmallIntegerField(_("日"), default=1, help_text=_("每月：1–28 日"))
    hour = models.PositiveSmallIntegerField(_("时"), default=8)
    format = models.CharField(_("格式"), max_length=8)
    language = models.CharField(_("语言"), max_length=8, default="zh-hans")
    recipients = models.TextField(_("收件人"), help_text=_("电子邮件地址，每行一个"))
    active = models.BooleanField(_("启用"), default=True)
    next_run_at = models.DateTimeField(_("下次运行"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("定时报表")
        verbose_name_plural = pgettext_lazy("plural", "定时报表")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def kind_label(self) -> str:
        from .reports import REPORT_KINDS

        kind = REPORT_KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.replace(",", "\n").replace(";", "\n").splitlines() if r.strip()]


class ReportRun(models.Model):
    """One run of a schedule: the period it covered, what it produced and whether it went out."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="runs",
                                 verbose_name=_("定时报表"))
    scheduled_for = models.DateTimeField(_("计划时间"))
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    error = models.TextField(_("错误"), blank=True, default="")
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报表运行记录")
        verbose_name_plural = pgettext_lazy("plural", "报表运行记录")
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["schedule", "scheduled_for"], name="reportrun_once")]


class ReportFile(models.Model):
    """A file a run produced (one per unit), attached to the mails of the run."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField(_("大小"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报表文件")
        verbose_name_plural = pgettext_lazy("plural", "报表文件")
        ordering = ["id"]


class Delivery(models.Model):
    """One message to one target: the queue `qm notify` works through (retrying with backoff) and its log.
    `target` is what the log shows (an address, or a robot's URL with its key cut); the robot's secret URL is read
    from the robot at send time and never stored here."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("用户"))
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    purpose = models.CharField(_("类别"), max_length=16, choices=Purpose.choices)
    target = models.CharField(_("目标"), max_length=300)
    robot = models.ForeignKey(Robot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(_("主题"), max_length=300)
    body = models.TextField(_("内容"), blank=True, default="")
    alert = models.ForeignKey("tracking.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    report_run = models.ForeignKey(ReportRun, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="deliveries")
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = pgettext_lazy("plural", "发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["next_attempt_at"], name="delivery_due",
                                condition=models.Q(status__in=["pending", "retrying"]))]


class DigestRun(models.Model):
    """A user's daily digest of one local day was made (so a restarted worker does not send it twice)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    alerts = models.PositiveIntegerField(default=0)
    made_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("每日汇总记录")
        verbose_name_plural = pgettext_lazy("plural", "每日汇总记录")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digestrun_once")]
