"""Standards as data: loads and validates compliance/data/*.yaml|json (one file per standard and edition)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from quartermaster.errors import DomainError



DEFAULT_DIR = Path(__file__).resolve().parent / "data"
RULE_ID = re.compile(r"^[a-z][a-z0-9-]*$")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def _checks() -> dict[str, tuple[tuple[str, object, str], ...]]:
    """Each check (compliance.checks) and the parameters its rules give: (key, test, what a good value is)."""
    from .checks import MODULES

    return {name: module.PARAMS for name, module in MODULES.items()}


RULE_KEYS = {"id", "check", "clause", "text"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: float
    local: bool
    label: str = ""
    note: str = ""
    label_en: str = ""
    note_en: str = ""


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    check: str
    clause: str
    text: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Standard:
    id: str
    edition: str
    title_zh: str
    source: str
    file: str
    settings: dict[str, Setting]
    rules: tuple[Rule, ...]
    title_en: str = ""

    @property
    def title(self) -> str:
        """The standard's title in the reader's language (its Chinese title unless the file gives an English one)."""
        if self.title_en and (translation.get_language() or "").startswith("en"):
            return self.title_en
        return self.title_zh

    def setting(self, name: str) -> float:
        """The setting's value in force: a site override (settings.QM_COMPLIANCE_SETTINGS) or the file's default."""
        overrides = getattr(django_settings, "QM_COMPLIANCE_SETTINGS", {}) or {}
        value = overrides.get(f"{self.id}.{name}", overrides.get(name))
        return self.settings[name].default if value is None else value


class StandardsError(Exception):
    """A malformed standards file; `problems` lists (file, rule id or None, message)."""

    def __init__(self, problems: list[tuple[str, str | None, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}{f' rule {r}' if r else ''}: {m}" for f, r, m in problems))


def standards_dirs() -> tuple[Path, ...]:
    dirs = getattr(django_settings, "QM_STANDARDS_DIRS", None) or [DEFAULT_DIR]
    return tuple(Path(d) for d in dirs)


def _read(path: Path):
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def parse_file(path: Path) -> tuple[Standard | None, list[tuple[str, str | None, str]]]:
    """One standards file → (Standard, []) or (None, problems naming the file and rule)."""
    name = path.name
    problems: list[tuple[str, str | None, str]] = []
    checks = _checks()
    try:
        data = _read(path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return None, [(name, None, f"cannot be read: {exc}")]
    if not isinstance(data, dict):
        return None, [(name, None, "must be a mapping with id, title, source, rules")]
    for key in ("id", "title", "source"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append((name, None, f"missing or empty {key!r}"))
    settings: dict[str, Setting] = {}
    raw_settings = data.get("settings") or {}
    if not isinstance(raw_settings, dict):
        problems.append((name, None, "'settings' must be a mapping"))
        raw_settings = {}
    for sname, sdata in raw_settings.items():
        if not isinstance(sdata, dict) or not _number(sdata.get("default")):
            problems.append((name, None, f"setting {sname!r} needs a numeric 'default' ≥ 0"))
            continue
        settings[sname] = Setting(sname, sdata["default"], bool(sdata.get("local", False)),
                                  str(sdata.get("label", "")), str(sdata.get("note", "")),
                                  str(sdata.get("label_en", "")), str(sdata.get("note_en", "")))
    rules: list[Rule] = []
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append((name, None, "'rules' must be a non-empty list"))
        raw_rules = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules, start=1):
        rid = raw.get("id") if isinstance(raw, dict) else None
        label = rid if isinstance(rid, str) and rid else f"#{index}"
        if not isinstance(raw, dict):
            problems.append((name, label, "must be a mapping"))
            continue
        if not isinstance(rid, str) or not RULE_ID.match(rid):
            problems.append((name, label, "'id' must be a lower-case slug such as radios-per-officer"))
        elif rid in seen:
            problems.append((name, label, "duplicate rule id"))
        seen.add(label)
        for key in ("clause", "text"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                problems.append((name, label, f"missing or empty {key!r}"))
        check = raw.get("check")
        if check not in checks:
            problems.append((name, label, f"unknown check {check!r}; expected one of {', '.join(sorted(checks))}"))
            continue
        params = {k: v for k, v in raw.items() if k not in RULE_KEYS}
        for key, test, what in checks[check]:
            if key not in params:
                problems.append((name, label, f"missing {key!r} ({what})"))
            elif not test(params[key]):
                problems.append((name, label, f"{key!r} is {params[key]!r}; expected {what}"))
            elif key.endswith("_setting") and params[key] not in settings:
                problems.append((name, label, f"{key!r} names setting {params[key]!r}, which the file does not "
                                              f"define under 'settings'"))
            elif key == "items":
                for item in params[key]:
                    if "setting" in item and item["setting"] not in settings:
                        problems.append((name, label, f"item {item['name']!r} names setting {item['setting']!r}, "
                                                      f"which the file does not define under 'settings'"))
        unknown = set(params) - {k for k, _, _ in checks[check]}
        if unknown:
            problems.append((name, label, f"unknown key(s) {', '.join(sorted(unknown))} for check {check}"))
        rules.append(Rule(label, check, str(raw.get("clause", "")).strip(), str(raw.get("text", "")).strip(),
                          params))
    if problems:
        return None, problems
    return Standard(data["id"], str(data.get("edition", "")), data["title"], data["source"], name, settings,
                    tuple(rules), str(data.get("title_en", ""))), []


def standard_files(dirs: tuple[Path, ...]) -> list[Path]:
    return sorted(p for d in dirs if d.is_dir() for p in d.iterdir()
                  if p.suffix in (".yaml", ".yml", ".json") and not p.name.startswith("."))


@lru_cache(maxsize=8)
def _load(dirs: tuple[Path, ...]) -> dict[str, Standard]:
    found: dict[str, Standard] = {}
    problems: list[tuple[str, str | None, str]] = []
    for path in standard_files(dirs):
        standard, errors = parse_file(path)
        problems.extend(errors)
        if standard is None:
            continue
        if standard.id in found:
            problems.append((path.name, None, f"standard id {standard.id!r} is also defined in "
                                              f"{found[standard.id].file}"))
        found[standard.id] = standard
    if problems:
        raise StandardsError(problems)
    return found


def all_standards() -> dict[str, Standard]:
    return _load(standards_dirs())


def get_standard(standard_id: str) -> Standard:
    standards = all_standards()
    try:
        return standards[standard_id]
    except KeyError:
        raise DomainError(gettext_lazy("未知的标准“%(standard)s”，应为以下之一：%(expected)s"), field="standard",
                          code="unknown_standard", standard=standard_id, expected=", ".join(sorted(standards))) from None


def clear_cache() -> None:
    _load.cache_clear()
