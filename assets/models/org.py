"""Organisation units (a tree kept with a materialised path) and personnel, with their dated history."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..access import RestrictedQuerySet
from ..choices import PersonRole, PersonStatus, UnitKind
from .audit import ChangeLoggedModel
from .immutable import AppendOnlyModel


class OrgUnitQuerySet(RestrictedQuerySet):
    def subtree(self, unit: "OrgUnit"):
        """The unit and everything below it."""
        return self.filter(path__startswith=unit.path)


class OrgUnit(ChangeLoggedModel):
    code = models.CharField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级单位"))
    population = models.PositiveBigIntegerField(_("常住人口"), null=True, blank=True)
    # The depot (停车场/车库) where the unit's vehicles belong outside duty hours: a WGS-84 point and a radius.
    depot_lat = models.FloatField(_("停车场纬度"), null=True, blank=True)
    depot_lon = models.FloatField(_("停车场经度"), null=True, blank=True)
    depot_radius_m = models.FloatField(_("停车场半径（米）"), null=True, blank=True)
    # "/CZ/CZ-TN/CZ-TN-01/": subtree queries are one indexed prefix match. Kept by assets.services.
    path = models.CharField(max_length=1000, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(code__contains="/"), name="orgunit_code_no_slash"),
            models.CheckConstraint(condition=models.Q(depot_lat__isnull=True, depot_lon__isnull=True,
                                                      depot_radius_m__isnull=True)
                                   | models.Q(depot_lat__gte=-90, depot_lat__lte=90, depot_lon__gte=-180,
                                              depot_lon__lte=180, depot_radius_m__gt=0),
                                   name="orgunit_depot_complete"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def depot(self) -> tuple[float, float, float] | None:
        """(lat, lon, radius_m) of the unit's own depot, or None."""
        if self.depot_lat is None or self.depot_lon is None or self.depot_radius_m is None:
            return None
        return self.depot_lat, self.depot_lon, self.depot_radius_m

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)

    def ancestors_codes(self) -> list[str]:
        return [c for c in self.path.split("/") if c]


class Person(ChangeLoggedModel):
    staff_no = models.CharField(_("工号"), max_length=64, unique=True)
    name = models.CharField(_("姓名"), max_length=100)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="people", verbose_name=_("单位"))
    role = models.CharField(_("人员类别"), max_length=16, choices=PersonRole.choices)
    frontline = models.BooleanField(_("一线执法"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    cert_no = models.CharField(_("执法证号"), max_length=64, blank=True)
    cert_expires = models.DateField(_("执法证有效期至"), null=True, blank=True)
    badge_no = models.CharField(_("胸号"), max_length=32, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = pgettext_lazy("plural", "人员")
        ordering = ["staff_no"]
        indexes = [models.Index(fields=["unit", "status", "role"])]

    def __str__(self):
        return f"{self.name} ({self.staff_no})"

    @property
    def is_active_officer(self) -> bool:
        return self.role == PersonRole.OFFICER and self.status == PersonStatus.ACTIVE


class PersonHistory(AppendOnlyModel):
    """A person's unit, role, frontline and status from `effective` on; answers "who was where on date D"."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="history")
    effective = models.DateField(_("生效日期"), db_index=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=PersonRole.choices)
    frontline = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=PersonStatus.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("人员履历")
        verbose_name_plural = pgettext_lazy("plural", "人员履历")
        ordering = ["person", "effective", "id"]
        indexes = [models.Index(fields=["person", "effective"])]
