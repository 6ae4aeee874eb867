"""Recorder docking-station offload reports (qm/docks/{dock_id}/offload); read by recorder-daily-offload."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DockOffload(models.Model):
    dock_id = models.CharField(_("采集站"), max_length=64)
    recorder_tag = models.CharField(_("记录仪标签号"), max_length=64, db_index=True)
    recorded_on = models.DateField(_("录制日期"), db_index=True)
    ts = models.DateTimeField(_("上报时间"))
    files = models.PositiveIntegerField(_("文件数"), default=0)
    bytes = models.PositiveBigIntegerField(_("字节数"), default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("记录仪采集记录")
        verbose_name_plural = pgettext_lazy("plural", "记录仪采集记录")
        ordering = ["recorded_on", "recorder_tag"]
        constraints = [models.UniqueConstraint(fields=["recorder_tag", "recorded_on", "dock_id", "ts"],
                                               name="dockoffload_unique_report")]

    def __str__(self):
        return f"{self.recorder_tag} {self.recorded_on}"
