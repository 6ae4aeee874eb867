"""Category and item names in the active language: the Chinese name, or its English name on English pages.

Categories and item types carry both names (`name`, `name_en`); an asset's `item` is the item type's Chinese
name as text, so its English name is looked up by category and name (the seeded item types first, then the
item types an administrator added)."""
from django.utils import translation

from .categories import CATEGORY_EN, ITEM_TYPES

_SEEDED_ITEMS = {(category, zh): en for category, _code, zh, en, _years in ITEM_TYPES}
_SEEDED_BY_NAME = {zh: en for (_category, zh), en in _SEEDED_ITEMS.items()}
# Office items as the compliance rules name them (SPEC: 电脑, 电话, 传真机, 复（打）印机, 扫描仪).
_SEEDED_BY_NAME.setdefault("电脑", "Computer")


def english() -> bool:
    return (translation.get_language() or "").split("-")[0] == "en"


def category_name(category) -> str:
    """A Category (or its code) by name in the active language."""
    from .choices import CategoryCode
    from .models import Category

    if not isinstance(category, Category):
        code = str(category)
        if english():
            return CATEGORY_EN.get(code, code)
        return str(dict(CategoryCode.choices).get(code, code))
    if english():
        return category.name_en or CATEGORY_EN.get(category.code, category.name)
    return category.name


def item_name(category_code: str | None, name: str) -> str:
    """The item `name` (Chinese, as an asset records it) of `category_code` (None: any) in the active language."""
    if not name or not english():
        return name
    # The rules' own item names (电脑) are not an item type of their category: then by name alone.
    seeded = (_SEEDED_ITEMS.get((category_code, name)) if category_code else None) or _SEEDED_BY_NAME.get(name)
    if seeded:
        return seeded
    from .models import ItemType

    found = ItemType.objects.filter(name=name).exclude(name_en="")
    if category_code:
        found = found.filter(category_id=category_code)
    return found.values_list("name_en", flat=True).first() or name


def item_type_name(item_type) -> str:
    if english():
        return item_type.name_en or _SEEDED_ITEMS.get((item_type.category_id, item_type.name), item_type.name)
    return item_type.name


def asset_item_name(asset) -> str:
    """What the asset is: its item's name, else its category's, in the active language."""
    if asset.item:
        return item_name(asset.category_id, asset.item)
    return category_name(asset.category_id)


def asset_label(asset):
    """An asset by its tag and item name (the category's when it has none), in the active language: for refusals
    (quartermaster.errors.Named renders when read, so the message follows the reader's language)."""
    from django.utils.translation import gettext as _

    from quartermaster.errors import Named

    return Named(lambda: str(_("%(tag)s（%(item)s）")) % {"tag": asset.tag, "item": asset_item_name(asset)})


def joined(items):
    """Several names in one message: "甲、乙" in Chinese, "a, b" in English (rendered when read)."""
    from quartermaster.errors import Named

    items = list(items)
    return Named(lambda: ("、" if not english() else ", ").join(str(item) for item in items))


def field_names(model, names):
    """Fields of `model` by their verbose names (not their attribute names), for refusals."""
    from django.core.exceptions import FieldDoesNotExist

    from quartermaster.errors import Named

    def in_sentence(text: str) -> str:  # "Staff no." reads "staff no." inside an English sentence
        return text[:1].lower() + text[1:] if english() and text[:1].isupper() and text[1:2].islower() else text

    def verbose(name):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        return Named(lambda: in_sentence(str(field.verbose_name)))

    return joined(verbose(name) for name in sorted(names))


def choice_labels(choices):
    """Every value of a TextChoices class with its label, for "expected one of …": what to type and what it
    means ("brigade（大队）" / "brigade (Brigade)")."""
    from django.utils.translation import gettext as _

    from quartermaster.errors import Named

    return joined(Named(lambda value=value, label=label: _("%(code)s（%(label)s）") % {"code": value, "label": label})
                  for value, label in choices.choices)


def item_names() -> dict[str, str]:
    """Every known item's Chinese name to its name in the active language, for pages whose scripts show items the
    API names in Chinese (empty on Chinese pages: the names stay as they are)."""
    if not english():
        return {}
    from .models import ItemType

    names = dict(_SEEDED_BY_NAME)
    names.update((zh, en) for zh, en in ItemType.objects.exclude(name_en="").values_list("name", "name_en"))
    return names


def event_note(note: str) -> str:
    """A ledger event's note in the page's language when the system wrote it (the workbook import's "导入台账",
    workbook.importer.IMPORT_NOTE); a person's note as they wrote it."""
    from django.utils.translation import gettext

    if note == "导入台账":
        return gettext("导入台账")
    return note
