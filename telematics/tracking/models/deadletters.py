"""Messages the ingest could not store, with why; listed by the API and `qm deadletters`, re-processable."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..choices import DeadLetterReason


class DeadLetter(models.Model):
    topic = models.CharField(_("主题"), max_length=300)
    payload = models.TextField(_("消息内容"), blank=True, default="")
    truncated = models.BooleanField(default=False)
    reason = models.CharField(_("原因"), max_length=32, choices=DeadLetterReason.choices, db_index=True)
    detail = models.CharField(_("说明"), max_length=500, blank=True, default="")
    terminal = models.CharField(_("终端号"), max_length=64, blank=True, default="", db_index=True)
    received_at = models.DateTimeField(_("接收时间"), db_index=True)

    class Meta:
        verbose_name = _("死信")
        verbose_name_plural = pgettext_lazy("plural", "死信")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.reason} {self.topic}"
