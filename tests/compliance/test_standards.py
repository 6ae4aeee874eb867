"""The standards data files: complete per SPEC, texts verbatim from the standards, and malformed files caught by
the system check naming the file and rule."""
import re
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.checks import run_checks

from compliance import standards as std_module
from compliance.checks import MODULES
from compliance.rules import EVALUATORS
from compliance.standards import DEFAULT_DIR, all_standards, get_standard
from compliance.system_checks import check_standards
from quartermaster.errors import DomainError

# The standards in their original Chinese, kept in the repository beside the data that quotes them.
SOURCES = Path(__file__).resolve().parents[2] / "compliance" / "data" / "texts"

# SPEC "Ratio and compliance rules": rule id → (jiangsu clause, model clause); None is "—".
SPEC_RULES = {
    "officers-per-population": ("人员配备/配备比例", None),
    "frontline-ratio": ("内部管理/岗位管理/3", "制度建设/人员管理/岗位管理/1"),
    "vehicle-seats-per-officer": ("设备管理/执法车辆管理/1", "执法保障/装备保障/执法车辆管理/1"),
    "radios-per-officer": ("设备管理/通讯设备管理/2", "执法保障/装备保障/通讯设备管理"),
    "recorders-per-officer": ("设备管理/勘查取证设备管理/1", "执法保障/装备保障/勘查取证设备管理"),
    "mobile-terminals-per-officer": ("设备管理/勘查取证设备管理/1", None),
    "info-system-per-squadron": ("设备管理/通讯设备管理/1", None),
    "camera-per-brigade": ("设备管理/勘查取证设备管理/2", "执法保障/装备保障/勘查取证设备管理"),
    "storage-per-brigade": ("设备管理/警戒防护设备管理/3", None),
    "protective-equipment": ("设备管理/警戒防护设备管理/1", "执法保障/装备保障/警戒防护设备管理"),
    "office-equipment": ("设备管理/办公设备管理/1", None),
    "vehicle-livery": ("设备管理/执法车辆管理/2", "执法保障/装备保障/执法车辆管理/2"),
    "vehicle-dossier": ("设备管理/执法车辆管理/3", None),
    "valid-certificate": ("人员管理/执法人员/4", "执法规范/执法程序/执法资格/1"),
    "auxiliaries-decreasing": ("人员管理/协管人员/2", None),
    "auxiliaries-uniformed": ("人员管理/协管人员/7", None),
    "return-on-departure": ("设备管理/制式服装和标志标识管理/4", "执法保障/装备保障/制式服装和标志标牌管理/4"),
    "certificate-surrender": ("设备管理/证件、印章管理规定/2", None),
    "full-insignia-set": (None, "执法规范/执法行为/着装规范/3"),
    "certificate-loss-reported": ("设备管理/证件、印章管理规定/2", None),
    "seal-custodian": ("设备管理/证件、印章管理规定/3", None),
    "uniform-replacement": (None, "执法保障/装备保障/制式服装和标志标牌管理/1"),
    "recorder-daily-offload": ("执法程序/执法全过程记录/6", None),
    "recorder-timely-offload": (None, "执法规范/执法行为/装备使用规范/3"),
}


@pytest.mark.parametrize("index,standard_id", [(0, "jiangsu"), (1, "model")])
def test_every_spec_rule_with_its_clause(index, standard_id):
    standard = get_standard(standard_id)
    expected = {rule: clauses[index] for rule, clauses in SPEC_RULES.items() if clauses[index]}
    assert {r.id: r.clause for r in standard.rules} == expected


@pytest.mark.parametrize("standard_id", ["jiangsu", "model"])
def test_texts_are_copied_verbatim_from_the_standard(standard_id):
    standard = get_standard(standard_id)
    source = re.sub(r"\s+", "", (SOURCES / standard.source).read_text(encoding="utf-8"))
    for rule in standard.rules:
        assert rule.text.strip() and re.sub(r"\s+", "", rule.text) in source, rule.id


def test_radio_text_is_the_spec_example():
    assert next(r for r in get_standard("jiangsu").rules if r.id == "radios-per-officer").text == \
        "每2名执法人员至少配备1台对讲机。"


def test_thresholds_and_local_settings():
    j, m = get_standard("jiangsu"), get_standard("model")
    assert next(r for r in j.rules if r.id == "frontline-ratio").params["percent"] == 90
    assert next(r for r in m.rules if r.id == "frontline-ratio").params["percent"] == 85
    for standard in (j, m):
        protective = next(r for r in standard.rules if r.id == "protective-equipment")
        for item in protective.params["items"]:  # one local setting per item
            setting = standard.settings[item["setting"]]
            assert setting.local is True
            assert setting.default == (2 if item["name"] == "警示隔离设备" else 1.0), item
        assert [i["per"] for i in protective.params["items"] if i["name"] == "警示隔离设备"] in ([], ["brigade"])
    # 每日及时存储 is the standard's own deadline (the next day); the model's 及时 is a local setting.
    assert j.settings["offload_deadline_hours"].local is False
    assert m.settings["offload_deadline_hours"].local is True
    assert m.settings["offload_deadline_hours"].default == 24


def test_a_protective_item_naming_an_undefined_setting_is_named(standards_dir):
    _edit(standards_dir / "model.yaml",
          lambda d: next(r for r in d["rules"] if r["id"] == "protective-equipment")["items"][0].update(
              setting="nowhere"))
    assert "item '反光背心' names setting 'nowhere'" in _messages(check_standards())


def test_every_check_has_its_parameters_evaluation_and_drill_down():
    assert set(MODULES) == set(EVALUATORS)
    for name, module in MODULES.items():
        assert callable(module.evaluate) and callable(module.evidence) and isinstance(module.PARAMS, tuple), name
        assert all(len(p) == 3 and callable(p[1]) for p in module.PARAMS), name


def test_unknown_standard_is_a_clear_error():
    with pytest.raises(DomainError, match="未知的标准“anhui”.*jiangsu"):
        get_standard("anhui")


def test_shipped_files_pass_the_system_check():
    assert check_standards() == []
    assert not [e for e in run_checks() if e.id and e.id.startswith("qm.E1")]


@pytest.fixture
def standards_dir(tmp_path, settings):
    for path in DEFAULT_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    settings.QM_STANDARDS_DIRS = [tmp_path]
    std_module.clear_cache()
    yield tmp_path
    std_module.clear_cache()


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _messages(errors) -> str:
    return "\n".join(e.msg for e in errors)


def test_missing_text_names_file_and_rule(standards_dir):
    _edit(standards_dir / "jiangsu.yaml", lambda d: d["rules"][3].pop("text"))
    errors = check_standards()
    assert errors and all(e.id == "qm.E102" for e in errors)
    assert "jiangsu.yaml, rule radios-per-officer: missing or empty 'text'" in _messages(errors)


def test_bad_threshold_and_unknown_check_are_named(standards_dir):
    def change(d):
        d["rules"][0]["percent"] = "ninety"  # frontline-ratio
        d["rules"][1]["check"] = "guesswork"
    _edit(standards_dir / "model.yaml", change)
    text = _messages(check_standards())
    assert "model.yaml, rule frontline-ratio: 'percent' is 'ninety'" in text
    assert "model.yaml, rule vehicle-seats-per-officer: unknown check 'guesswork'" in text


def test_unparseable_file_fails_loudly(standards_dir):
    (standards_dir / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    assert "broken.yaml: cannot be read" in _messages(check_standards())
    with pytest.raises(std_module.StandardsError, match="broken.yaml"):
        all_standards()


def test_duplicate_standard_id_is_refused(standards_dir):
    shutil.copy(standards_dir / "model.yaml", standards_dir / "model-copy.yaml")
    assert "standard id 'model' is also defined" in _messages(check_standards())


def test_a_third_province_is_a_data_file(standards_dir, bureau):
    """A JSON file with the same rule ids and its own thresholds is picked up without code."""
    import json

    from django.utils import timezone

    from compliance.services import compliance_report

    (standards_dir / "anhui.json").write_text(json.dumps({
        "id": "anhui", "title": "安徽省城市管理执法规范化标准", "source": "anhui.txt", "settings": {},
        "rules": [{"id": "frontline-ratio", "check": "frontline_ratio", "clause": "队伍/一线/1",
                   "text": "一线执法人员比例不低于80%。", "percent": 80}],
    }, ensure_ascii=False), encoding="utf-8")
    assert check_standards() == []
    data = compliance_report(unit=bureau["units"]["CZ"], standard_id="anhui", as_of=timezone.localdate()).data
    first = data["results"][0]
    assert (first["rule"], first["unit"], first["clause"], first["required"], first["status"]) == (
        "frontline-ratio", "CZ", "队伍/一线/1", 1, "pass")
    assert {r["rule"] for r in data["results"]} == {"frontline-ratio"}
