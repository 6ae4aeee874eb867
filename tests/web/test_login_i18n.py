"""The English catalogue behind the language switch: complete, placeholders intact, and its compiled .mo (which
the runtime reads; it needs no gettext tools) in step with the .po."""
import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _messages(catalog) -> dict:
    """By message id, with its context when it has one ("plural" model names share the singular's id)."""
    def key(m):
        context = m.context.decode() if isinstance(m.context, bytes) else m.context  # babel's mo reader: bytes
        ident = m.id[0] if isinstance(m.id, (list, tuple)) else m.id  # a plural message: by its singular
        return f"{context}\x04{ident}" if context else ident
    return {key(m): m for m in catalog if m.id}


def _forms(m) -> tuple:
    """The translations of a message: one, or each plural form."""
    return tuple(m.string) if isinstance(m.string, (list, tuple)) else (m.string,)


def _ids(m) -> tuple:
    return tuple(m.id) if isinstance(m.id, (list, tuple)) else (m.id,)


def test_every_message_is_translated_with_its_placeholders():
    with open(LOCALE / "django.po", "rb") as fh:
        messages = _messages(read_po(fh))
    assert len(messages) > 500
    untranslated = [mid for mid, m in messages.items() if not all(_forms(m)) or m.fuzzy]
    assert untranslated == []
    broken = [(mid, m.string) for mid, m in messages.items() for form in _forms(m)
              if sorted(PLACEHOLDER.findall(_ids(m)[0])) != sorted(PLACEHOLDER.findall(form))]
    assert broken == []
    assert messages["首页"].string == "Home"


def test_compiled_catalogue_matches_the_po():
    with open(LOCALE / "django.po", "rb") as fh:
        po = {mid: _forms(m) for mid, m in _messages(read_po(fh)).items()}
    with open(LOCALE / "django.mo", "rb") as fh:
        mo = {mid: _forms(m) for mid, m in _messages(read_mo(fh)).items()}
    assert mo == po


def test_model_names_have_english_plurals():
    """Chinese has one form for both; English admin lists say "Alerts", not "Alert"."""
    from django.apps import apps
    from django.utils import translation

    with translation.override("en"):
        names = {m._meta.label: (str(m._meta.verbose_name), str(m._meta.verbose_name_plural))
                 for m in apps.get_models() if m._meta.app_label in ("assets", "uniforms", "telematics", "tracking",
                                                                      "gis")}
    assert names["tracking.Alert"][1] == "Alerts" and names["assets.Asset"] == ("Asset", "Assets")
    assert names["assets.OrgUnit"][1] == "Units" and names["tracking.DeadLetter"][1] == "Dead letters"
    with translation.override("zh-hans"):
        from telematics.tracking.models import Alert
        assert str(Alert._meta.verbose_name_plural) == "告警"
