"""The refusals' catalogue: every DomainError template in both languages, one language at a time, names not internals."""
import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from assets import services
from assets.choices import UserRole
from tests.support.fixtures import make_user

ROOT = Path(__file__).resolve().parents[2]
APPS = ("api", "assets", "compliance", "gis", "quartermaster", "recorders", "simulators", "telematics", "uniforms",
        "workbook")
ERRORS = {"DomainError", "ConflictError", "HandoverRefused", "OutOfScope", "RoleError", "SendError", "PermanentError"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PARAM = re.compile(r"%\((\w+)\)[sdr]")
# Modules whose every refusal is a catalogued template (the others still carry English text: see the README).
CATALOGUED = (
    "assets/ledger.py", "telematics/journeys/track.py", "api/exceptions.py", "recorders/footage.py",
    # the registry, uniforms, recorders, compliance and the simulators (msg-assets)
    "assets/access.py", "assets/admin.py", "assets/api/views.py", "assets/disposal_views.py", "assets/disposals.py",
    "assets/models/immutable.py", "assets/services.py", "assets/users.py",
    "uniforms/inventory_views.py", "uniforms/services.py",
    "recorders/services.py", "recorders/views.py",
    "compliance/render.py", "compliance/services.py", "compliance/standards.py", "compliance/views.py",
    "simulators/broker.py", "simulators/city.py", "simulators/demo.py", "simulators/engine.py", "simulators/load.py",
    "simulators/plan.py", "simulators/runner.py", "simulators/scenarios.py", "simulators/streets.py",
    # end msg-assets
    # telematics, gis and quartermaster (msg-tel)
    "telematics/api/views.py", "telematics/dossier.py", "telematics/journeys/render.py",
    "telematics/journeys/selectors.py", "telematics/journeys/services.py",
    "telematics/management/commands/register.py", "telematics/management/commands/trips.py",
    "telematics/register/render.py", "telematics/register/selectors.py", "telematics/register/services.py",
    "telematics/register/views.py", "telematics/reports/registry.py", "telematics/reports/render.py",
    "telematics/reports/selectors.py", "telematics/reports/views.py", "telematics/services.py",
    "telematics/tracking/acl.py", "telematics/tracking/cases/services.py", "telematics/tracking/ingest.py",
    "telematics/tracking/services.py", "telematics/tracking/retention.py", "gis/api/views.py", "gis/importing.py", "gis/services.py",
    "quartermaster/dashboards.py", "quartermaster/notify/reports.py", "quartermaster/notify/services.py",
    "quartermaster/pdf.py",
    # end msg-tel
    "quartermaster/dbroles.py", "quartermaster/notify/senders.py",
)
# Commands whose every error and progress line is a catalogued template (Chinese, English with qm --lang en);
# HANDSHAKES: lines another process waits for (simulators/demo.py), the same in every language.
COMMANDS = ("quartermaster/management/commands/dbroles.py", "quartermaster/management/commands/demo.py",
            "quartermaster/management/commands/serve.py", "gis/management/commands/gis.py",
            "simulators/management/commands/simulate.py", "compliance/management/commands/compliance.py")
HANDSHAKES = ("ready; holding until SIGUSR1", "serving on http://", "stopped")
GETTEXT = {"_", "gettext", "gettext_lazy"}


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _name(node) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _refusals(path: Path):
    """(line, code, template or None) of every DomainError(...) call in `path`; template None: not a catalogued one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _name(node.func) in ERRORS) or not node.args:
            continue
        code = next((k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)),
                    "invalid")
        first = node.args[0]
        template = None
        if isinstance(first, ast.Call) and _name(first.func) in {"_", "gettext", "gettext_lazy"} \
                and isinstance(first.args[0], ast.Constant):
            template = first.args[0].value
        yield node.lineno, code, template


def catalogue() -> list[tuple[str, int, str, str]]:
    return [(str(path.relative_to(ROOT)), line, code, template)
            for path in _sources() for line, code, template in _refusals(path) if template is not None]


def test_every_catalogued_refusal_reads_in_both_languages_and_never_mixes_them():
    entries = catalogue()
    codes = {code for _path, _line, code, _template in entries}
    assert len(entries) >= 40 and {"person_to_person", "already_issued", "officer_only", "unknown_tag"} <= codes
    problems = []
    for path, line, code, template in entries:
        with translation.override("en"):
            english = translation.gettext(template)
        where = f"{path}:{line} [{code}]"
        if not CJK.search(template):
            problems.append(f"{where}: the Chinese source has no Chinese: {template!r}")
        if english == template:
            problems.append(f"{where}: no English in locale/en: {template!r}")
        elif CJK.search(english):
            problems.append(f"{where}: Chinese left in the English text: {english!r}")
        if sorted(set(PARAM.findall(english))) != sorted(set(PARAM.findall(template))):
            problems.append(f"{where}: the English names other parameters: {english!r}")
    assert not problems, "\n".join(problems)


def test_catalogued_modules_raise_no_text_outside_the_catalogue():
    stray = [f"{path}:{line} [{code}]" for path in CATALOGUED for line, code, template in _refusals(ROOT / path)
             if template is None]
    assert not stray, stray
    source = (ROOT / "api/exceptions.py").read_text(encoding="utf-8")
    assert 'f"still referenced' not in source and "cannot be deleted" not in source


def _texts(path: Path):
    """(line, text or None, literal) of what `path` raises as a CommandError or writes to stdout/stderr: the template
    when it is a catalogued one, `literal` when the text is written out in the source (an f-string or a string)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        written = _name(func) == "write" and isinstance(func, ast.Attribute) and _name(func.value) in {"stdout",
                                                                                                        "stderr"}
        if _name(func) != "CommandError" and not written:
            continue
        first = node.args[0]
        if isinstance(first, ast.BinOp) and isinstance(first.op, ast.Mod):
            first = first.left
        if isinstance(first, ast.Call) and _name(first.func) in GETTEXT and isinstance(first.args[0], ast.Constant):
            yield node.lineno, first.args[0].value, False
        elif isinstance(first, ast.Constant):
            yield node.lineno, None, first.value
        elif isinstance(first, ast.JoinedStr):
            yield node.lineno, None, "".join(v.value for v in first.values if isinstance(v, ast.Constant))
        # else a text made elsewhere (str(exc), a SQL statement): not this module's wording


def test_the_commands_errors_and_progress_lines_read_in_both_languages():
    problems, templates = [], 0
    for path in COMMANDS:
        for line, template, literal in _texts(ROOT / path):
            where = f"{path}:{line}"
            if template is None:
                if literal is not False and not literal.startswith(HANDSHAKES):
                    problems.append(f"{where}: text outside the catalogue: {literal!r}")
                continue
            templates += 1
            with translation.override("en"):
                english = translation.gettext(template)
            if not CJK.search(template) or english == template or CJK.search(english):
                problems.append(f"{where}: not a Chinese template with an English entry: {template!r} / {english!r}")
            elif sorted(set(PARAM.findall(english))) != sorted(set(PARAM.findall(template))):
                problems.append(f"{where}: the English names other parameters: {english!r}")
    assert templates >= 20 and not problems, "\n".join(problems)


def _client(user, language: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def held(bureau):
    """A uniform item issued to officer 张三 (P001), and a second officer who would like it."""
    asset = services.asset_create(tag="FZ-00121", category="uniform", item="春秋执勤服",
                                  unit=bureau["units"]["CZ-TN-01"])
    services.asset_issue(asset=asset, person=bureau["officer"])
    other = services.person_create(staff_no="P002", name="王五", unit=bureau["units"]["CZ-TN-01"], role="officer")
    user = make_user("logistics", UserRole.LOGISTICS, bureau["units"]["CZ"])
    return asset, other, user


def test_a_hand_over_refusal_names_holder_and_item_in_the_users_language(held):
    asset, other, user = held
    url = reverse("asset-issue", args=[asset.pk])
    chinese = _client(user, "zh-hans").post(url, {"person": other.staff_no}, format="json")
    english = _client(user, "en").post(url, {"person": other.staff_no}, format="json")
    assert chinese.status_code == english.status_code == 409
    assert chinese.json()["code"] == english.json()["code"] == "person_to_person"
    assert chinese.json()["detail"].startswith("FZ-00121（春秋执勤服） 由 张三（工号 P001） 持有")
    assert not re.search(r"[A-Za-z]{3,}", chinese.json()["detail"].replace("FZ", ""))
    detail = english.json()["detail"]
    assert detail.startswith("FZ-00121 (Spring/autumn duty uniform) is held by 张三 (staff no. P001);")
    assert CJK.sub("", detail.replace("张三", "")) == detail.replace("张三", "")


def test_field_errors_name_the_object_and_the_field_not_the_lookup(held):
    asset, _other, user = held
    url = reverse("asset-issue", args=[asset.pk])
    chinese = _client(user, "zh-hans").post(url, {"person": "CZ9999"}, format="json")
    english = _client(user, "en").post(url, {"person": "CZ9999"}, format="json")
    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["person"] == ["没有工号为 CZ9999 的人员"]
    assert english.json()["person"] == ["No staff member with staff no. CZ9999"]
    created = {"tag": "NEW-1", "category": "radio", "unit": None}
    chinese = _client(user, "zh-hans").post(reverse("asset-list"), created, format="json")
    english = _client(user, "en").post(reverse("asset-list"), created, format="json")
    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["unit"] == ["请填写所属单位"] and english.json()["unit"] == ["Unit is required"]
