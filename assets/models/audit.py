"""The change log: who changed what, when, before/after, and from where (API, admin, import, CLI, ingest)."""
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..access import RestrictedQuerySet
from ..choices import ChangeAction
from .immutable import AppendOnlyModel


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class ChangeLoggedModel(models.Model):
    """A model whose every create/update/delete is written to the change log (see assets.signals)."""

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def snapshot(self) -> dict:
        data = {}
        for field in self._meta.concrete_fields:
            if getattr(field, "auto_now", False):
                continue
            data[field.attname] = _plain(getattr(self, field.attname))
        return data


class ChangeRecord(AppendOnlyModel):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False,
                             related_name="+", verbose_name=_("用户"))
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=16)
    request_id = models.CharField(max_length=32, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = pgettext_lazy("plural", "变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.object_repr}"
