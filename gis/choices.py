"""Named constants of the map layers: layer kinds and venue categories."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Layer(models.TextChoices):
    GRID = "grid", _("单元网格")
    VENUES = "venues", _("场所")
    JURISDICTIONS = "jurisdictions", _("管辖区域")
    STREETS = "streets", _("道路")


# The layers `qm gis import` accepts (SPEC "Command line"); streets are stored by `qm gis sample --load`.
IMPORTABLE_LAYERS = (Layer.GRID, Layer.VENUES, Layer.JURISDICTIONS)


class VenueCategory(models.TextChoices):
    RESTAURANT = "restaurant", _("餐馆酒楼")
    ENTERTAINMENT = "entertainment", _("公共娱乐场所")
    SHOP = "shop", _("商店")
    HOTEL = "hotel", _("宾馆")
    OFFICE = "office", _("办公场所")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    PARK = "park", _("公园")
    OTHER = "other", _("其他")


DEFAULT_VENUE_RADIUS_M = 30.0
