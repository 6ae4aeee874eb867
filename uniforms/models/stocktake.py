"""Storage places, where each stock item is kept, and stocktake (盘点) sessions with their scans."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import Asset, OrgUnit

from ..choices import StocktakeStatus


class StoragePlace(models.Model):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="storage_places",
                             verbose_name=_("单位"))
    code = models.CharField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)

    class Meta:
        verbose_name = _("存放地点")
        verbose_name_plural = pgettext_lazy("plural", "存放地点")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class AssetPlace(models.Model):
    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="place", verbose_name=_("装备"))
    place = models.ForeignKey(StoragePlace, on_delete=models.PROTECT, related_name="assets",
                              verbose_name=_("存放地点"))

    class Meta:
        verbose_name = _("装备存放位置")
        verbose_name_plural = pgettext_lazy("plural", "装备存放位置")


class AnnualInventory(models.Model):
    """年度清查盘点: a bureau-wide (or subtree-wide) count planned as one stocktake per unit; each unit's stocktake
    counts the unit's own assets on the books (in stock and issued), not its subtree's."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("清查范围"))
    year = models.PositiveSmallIntegerField(_("年度"))
    planned_at = models.DateTimeField(_("计划时间"), auto_now_add=True)
    username = models.CharField(_("计划人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("年度清查盘点")
        verbose_name_plural = pgettext_lazy("plural", "年度清查盘点")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="annualinventory_unique_year")]

    def __str__(self):
        return f"{self.unit.code} {self.year}"


class Stocktake(models.Model):
    # Set on the stocktakes of an annual inventory (one per unit): they expect the unit's own assets on the books.
    inventory = models.ForeignKey(AnnualInventory, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="stocktakes", verbose_name=_("年度清查盘点"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    place = models.ForeignKey(StoragePlace, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("存放地点"))
    status = models.CharField(_("状态"), max_length=16, choices=StocktakeStatus.choices,
                              default=StocktakeStatus.OPEN)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    username = models.CharField(_("盘点人"), max_length=150, blank=True)
    # The findings frozen when the stocktake is closed.
    result = models.JSONField(_("盘点结果"), null=True, blank=True)

    class Meta:
        verbose_name = _("盘点")
        verbose_name_plural = pgettext_lazy("plural", "盘点")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.unit.code} {self.place or ''} {self.started_at:%Y-%m-%d}"


class StocktakeScan(models.Model):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="scans")
    tag = models.CharField(_("标签号"), max_length=64)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scanned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("盘点扫描")
        verbose_name_plural = pgettext_lazy("plural", "盘点扫描")
        ordering = ["stocktake", "id"]
        constraints = [models.UniqueConstraint(fields=["stocktake", "tag"], name="stocktakescan_unique")]
