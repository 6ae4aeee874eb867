"""Versioned map layers. Each import is a new LayerVersion holding its own features; exactly one version
per layer is active, older ones stay as history. Geometry is WGS-84 WKB (hex text) so plain PostgreSQL
and SQLite both hold it; the bounding-box columns let bbox queries run in SQL without PostGIS."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import ChangeLoggedModel

from ..choices import Layer


class LayerVersion(ChangeLoggedModel):
    layer = models.CharField(_("图层"), max_length=16, choices=Layer.choices)
    version = models.PositiveIntegerField(_("版本"))
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    imported_by = models.CharField(_("导入人"), max_length=150, blank=True)
    source_file = models.CharField(_("源文件"), max_length=500, blank=True)
    crs = models.CharField(_("源坐标系"), max_length=200, blank=True)
    feature_count = models.PositiveIntegerField(_("要素数"), default=0)
    repaired_count = models.PositiveIntegerField(_("修复几何数"), default=0)
    active = models.BooleanField(_("启用"), default=False)

    class Meta:
        verbose_name = _("图层版本")
        verbose_name_plural = pgettext_lazy("plural", "图层版本")
        ordering = ["layer", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "version"], name="gis_layerversion_unique"),
            models.UniqueConstraint(fields=["layer"], condition=models.Q(active=True),
                                    name="gis_layerversion_one_active"),
        ]

    def __str__(self):
        return f"{self.layer} v{self.version}"


class LayerFeature(models.Model):
    version = models.ForeignKey(LayerVersion, on_delete=models.CASCADE, related_name="+")
    geometry = models.TextField(_("几何 (WKB)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        abstract = True


class GridCell(LayerFeature):
    code = models.CharField(_("网格编码"), max_length=15)
    unit_code = models.CharField(_("责任中队"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("单元网格")
        verbose_name_plural = pgettext_lazy("plural", "单元网格")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="gis_gridcell_code_unique")]
        indexes = [models.Index(fields=["version", "min_lon", "min_lat"])]


class Venue(LayerFeature):
    name = models.CharField(_("名称"), max_length=200)
    # Free text: the known ones are VenueCategory; other categories a file brings are kept as given.
    category = models.CharField(_("类别"), max_length=32)
    # Set for point venues (the venue is the disc around the point); None for polygons.
    radius_m = models.FloatField(_("半径 (米)"), null=True, blank=True)

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = pgettext_lazy("plural", "场所")
        ordering = ["name"]
        indexes = [models.Index(fields=["version", "min_lon", "min_lat"])]


class Jurisdiction(LayerFeature):
    # A code, not a foreign key: a layer's history must outlive unit renames, and ancestors are looked
    # up through OrgUnit.path when the index resolves a unit.
    unit_code = models.CharField(_("单位代码"), max_length=64)

    class Meta:
        verbose_name = _("管辖区域")
        verbose_name_plural = pgettext_lazy("plural", "管辖区域")
        ordering = ["unit_code"]
        constraints = [models.UniqueConstraint(fields=["version", "unit_code"],
                                               name="gis_jurisdiction_unit_unique")]


class Street(LayerFeature):
    name = models.CharField(_("名称"), max_length=200, blank=True)
    kind = models.CharField(_("道路等级"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("道路")
        verbose_name_plural = pgettext_lazy("plural", "道路")
        ordering = ["name"]
        indexes = [models.Index(fields=["version", "min_lon", "min_lat"])]


class Place(LayerFeature):
    """A named place of the `places` layer: a street (line), a district or community (polygon), a landmark
    (point or polygon). The place labels of alerts, vehicle cards, stops and trips are built from these."""

    name = models.CharField(_("名称"), max_length=200)
    # Free text: the known ones are PlaceKind; other kinds a file brings are kept as given.
    kind = models.CharField(_("类别"), max_length=32)

    class Meta:
        verbose_name = _("地名")
        verbose_name_plural = pgettext_lazy("plural", "地名")
        ordering = ["name"]
        indexes = [models.Index(fields=["version", "min_lon", "min_lat"])]
