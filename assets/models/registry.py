"""Asset categories (codes fixed by SPEC), item types, and the assets themselves."""
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ..choices import AssetStatus
from .audit import ChangeLoggedModel
from .org import OrgUnit, Person


def local_category_name(name: str, name_en: str) -> str:
    return name_en if name_en and (get_language() or "").startswith("en") else name


class Category(models.Model):
    code = models.CharField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100)
    officer_only = models.BooleanField(_("仅发放执法人员"), default=False)
    # Straight-line depreciation life (折旧年限) of the category's fixed assets; empty: not depreciated (low-value
    # consumables such as uniforms are expensed, their book value stays the price). A local setting (assets.bookvalue).
    depreciation_years = models.PositiveSmallIntegerField(_("折旧年限"), null=True, blank=True)

    class Meta:
        verbose_name = _("装备类别")
        verbose_name_plural = pgettext_lazy("plural", "装备类别")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def local_name(self) -> str:
        """The name in the language of the page (the English name beside the Chinese one)."""
        return local_category_name(self.name, self.name_en)


class ItemType(models.Model):
    """A named item within a category (春秋执勤服, 防刺背心, printer…), with its default service life."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="item_types")
    code = models.CharField(_("代码"), max_length=64)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    service_years = models.PositiveSmallIntegerField(_("使用年限"), null=True, blank=True)

    class Meta:
        verbose_name = _("品名")
        verbose_name_plural = pgettext_lazy("plural", "品名")
        ordering = ["category", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="itemtype_unique_code")]

    def __str__(self):
        return self.name


class Asset(ChangeLoggedModel):
    tag = models.CharField(_("标签号"), max_length=64, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="assets", verbose_name=_("类别"))
    item = models.CharField(_("品名"), max_length=100, blank=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="assets", verbose_name=_("所属单位"))
    serial = models.CharField(_("序列号"), max_length=100, blank=True)
    model = models.CharField(_("型号"), max_length=100, blank=True)
    size = models.CharField(_("尺码"), max_length=32, blank=True)
    acquired = models.DateField(_("购置日期"), null=True, blank=True)
    service_years = models.PositiveSmallIntegerField(_("使用年限"), null=True, blank=True)
    # The finance books' side (资产卡片): what the item cost and its card number, to reconcile the registry with them.
    price = models.DecimalField(_("购置价格（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(0)])
    finance_card_no = models.CharField(_("资产卡片号"), max_length=64, blank=True, db_index=True)
    # Certificates and work cards: valid until this date. A projection of the ledger like the state below (each
    # event carries `expires_after`; a renewal is a dated `renew` event), so a past date gives the past expiry.
    expires = models.DateField(_("有效期至"), null=True, blank=True, editable=False)
    # When the item was issued to its current holder (the ledger's issue event; None unless issued): a uniform
    # item's replacement falls due `service_years` after it (assets.selectors.uniform_due_on).
    issued_at = models.DateTimeField(_("发放时间"), null=True, blank=True, editable=False)
    # Current state: a projection of the custody ledger, written only by the ledger service in the
    # same transaction as the event (assets.selectors.asset_state_from_ledger recomputes it).
    status = models.CharField(_("状态"), max_length=16, choices=AssetStatus.choices, default=AssetStatus.IN_STOCK,
                              editable=False)
    holder_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, editable=False,
                                      related_name="held_assets", verbose_name=_("持有人"))
    holder_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, editable=False,
                                    related_name="held_assets", verbose_name=_("领用单位"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("装备")
        verbose_name_plural = pgettext_lazy("plural", "装备")
        ordering = ["tag"]
        indexes = [
            models.Index(fields=["category", "status"]),
            models.Index(fields=["unit", "category", "status"]),
            # Compliance counts a province's equipment from this index alone, in its order (compliance).
            models.Index(fields=["unit", "category", "item"],
                         include=["status", "acquired", "service_years", "issued_at"],
                         name="asset_unit_category_item"),
            # … and who holds the personal kit, certificates and insignia, the pools and the recorders, from this;
            # with the id, a past date's report leaves out the assets moved since, and the lost certificates are
            # joined to the ledger, from the index alone.
            models.Index(fields=["category", "status", "holder_person"],
                         include=["expires", "item", "unit", "tag", "id"], name="asset_category_holder"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(holder_person__isnull=False) & models.Q(holder_unit__isnull=False)),
                name="asset_one_holder",
            ),
        ]

    def __str__(self):
        return f"{self.tag} {self.item or self.category_id}"
