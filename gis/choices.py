"""Named constants of the map layers: layer kinds and venue categories."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Layer(models.TextChoices):
    GRID = "grid", _("单元网格")
    VENUES = "venues", _("场所")
    JURISDICTIONS = "jurisdictions", _("管辖区域")
    STREETS = "streets", _("道路")
    PLACES = "places", _("地名")


# The layers `qm gis import` accepts: SPEC's three, plus the named places the place labels are built from.
# Streets (the network the simulator drives) are stored by `qm gis sample --load`.
IMPORTABLE_LAYERS = (Layer.GRID, Layer.VENUES, Layer.JURISDICTIONS, Layer.PLACES)


class PlaceKind(models.TextChoices):
    """Kinds of the `places` layer the place labels know; a file's other kinds are kept as given. Lines of any
    kind are streets to the labels, points landmarks, polygons areas (community inside district)."""

    STREET = "street", _("道路")
    DISTRICT = "district", _("片区")
    COMMUNITY = "community", _("社区")
    LANDMARK = "landmark", _("地标")


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
