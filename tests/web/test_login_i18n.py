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
    return {m.id: m for m in catalog if m.id}


def test_every_message_is_translated_with_its_placeholders():
    with open(LOCALE / "django.po", "rb") as fh:
        messages = _messages(read_po(fh))
    assert len(messages) > 500
    untranslated = [mid for mid, m in messages.items() if not m.string or m.fuzzy]
    assert untranslated == []
    broken = [(mid, m.string) for mid, m in messages.items()
              if sorted(PLACEHOLDER.findall(mid)) != sorted(PLACEHOLDER.findall(m.string))]
    assert broken == []
    assert messages["首页"].string == "Home"


def test_compiled_catalogue_matches_the_po():
    with open(LOCALE / "django.po", "rb") as fh:
        po = {mid: m.string for mid, m in _messages(read_po(fh)).items()}
    with open(LOCALE / "django.mo", "rb") as fh:
        mo = {mid: m.string for mid, m in _messages(read_mo(fh)).items()}
    assert mo == po
