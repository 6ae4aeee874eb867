"""Template filters naming categories and items in the page's language: `{% load labels %}{{ asset|item_label }}`."""
from django import template

from assets import labels

register = template.Library()


@register.filter
def category_label(category) -> str:
    return labels.category_name(category)


@register.filter
def item_label(asset) -> str:
    """An asset's item (or item type) name in the page's language."""
    if hasattr(asset, "tag"):
        return labels.asset_item_name(asset)
    return labels.item_type_name(asset)


@register.filter
def item_name(name: str, category: str = "") -> str:
    """An item's Chinese name (as rows carry it) in the page's language: `{{ row.item|item_name }}`."""
    return labels.item_name(category or None, name)


@register.simple_tag
def colon() -> str:
    """The colon after a label in the page's language: "：" in Chinese, ": " in English ("Case state: …")."""
    return ": " if labels.english() else "："


@register.filter
def event_note(note: str) -> str:
    """A ledger event's note: the system's own notes in the page's language (`{{ e.note|event_note }}`)."""
    return labels.event_note(note or "")
