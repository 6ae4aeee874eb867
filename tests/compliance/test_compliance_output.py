"""Compliance output: the command in every format, the API with its scope, the auditor pages, and snapshots that
re-render identically."""
import csv
import io
import json
import os
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from assets import services as registry
from compliance.services import compliance_report
from assets.models import Asset, Person
from compliance.models import ComplianceSnapshot
from telematics.models import Vehicle
from tests.compliance.test_compliance_fixture import build_small_bureau
from tests.support.fixtures import make_user

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def module_bureau(django_db_setup, django_db_blocker):
    """The bureau built once for the module in an outer transaction (rolled back at the end); each test runs in a
    savepoint inside it, as Django's TestCase.setUpTestData does, so what a test writes is undone after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_small_bureau()
        transaction.set_rollback(True)


@pytest.fixture
def small_bureau(module_bureau, db):
    return module_bureau


ROW_KEYS = {"rule", "unit", "clause", "text", "required", "actual", "shortfall", "status"}


def run(*args, fmt="json", tmp_path=None) -> bytes:
    path = tmp_path / f"out.{fmt}"
    call_command("compliance", *args, "--format", fmt, "--output", str(path))
    return path.read_bytes()


def _key(row):
    return [row["rule"], row["unit"], row.get("item", ""), row["required"], row["actual"], row["shortfall"],
            row["status"]]


def test_json_has_the_spec_shape(small_bureau, tmp_path):
    out = io.StringIO()
    call_command("compliance", "--unit", "CZ-TN", "--standard", "jiangsu", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"standard", "unit", "as_of", "results", "summary"}
    assert (data["standard"], data["unit"], data["as_of"]) == ("jiangsu", "CZ-TN", timezone.localdate().isoformat())
    assert set(data["summary"]) == {"pass", "fail", "not_applicable", "insufficient_data"}
    assert sum(data["summary"].values()) == len(data["results"])
    for row in data["results"]:
        assert ROW_KEYS <= set(row) <= ROW_KEYS | {"item", "local"}
    radios = next(r for r in data["results"] if r["rule"] == "radios-per-officer" and r["unit"] == "CZ-TN")
    assert radios == {"rule": "radios-per-officer", "unit": "CZ-TN", "clause": "设备管理/通讯设备管理/2",
                      "text": "每2名执法人员至少配备1台对讲机。", "required": 3, "actual": 3, "shortfall": 0,
                      "status": "pass"}


def test_csv_and_xlsx_carry_the_json_rows(small_bureau, tmp_path):
    from compliance.titles import rule_title
    from tests.compliance.test_compliance_render import csv_sections

    data = json.loads(run("--unit", "CZ", "--standard", "model", "--as-of", "2026-01-15", tmp_path=tmp_path))
    labels = {"pass": "符合", "fail": "不符合", "not_applicable": "不适用", "insufficient_data": "数据不足"}
    expected = sorted([r["rule"], r["unit"], r.get("item", ""), r["required"], r["actual"], r["shortfall"],
                       labels[r["status"]]] for r in data["results"])

    sections = csv_sections(run("--unit", "CZ", "--standard", "model", "--as-of", "2026-01-15", fmt="csv",
                                tmp_path=tmp_path).decode("utf-8"))
    as_int = lambda v: int(v) if v not in ("", None, "—") else None
    rows = sections["核查结果（按单位）"]
    assert sorted([r["规则"], r["单位"], r["项目"], as_int(r["应配"]), as_int(r["实有"]), as_int(r["缺口"]),
                   r["结论"]] for r in rows) == expected
    assert rows[0]["规则名称"] == rule_title(rows[0]["规则"])
    clauses = {r["规则"]: r["原文"] for r in sections["条款原文"]}
    assert all(clauses[r["rule"]] == r["text"] for r in data["results"])

    book = load_workbook(io.BytesIO(run("--unit", "CZ", "--standard", "model", "--as-of", "2026-01-15", fmt="xlsx",
                                        tmp_path=tmp_path)))
    assert book.sheetnames == ["摘要", "核查结果", "条款原文", "计数"]
    sheet = list(book["核查结果"].iter_rows(values_only=True))
    header = list(sheet[0])
    got = sorted([r[header.index(k)] if r[header.index(k)] is not None else ("" if k == "项目" else None)
                  for k in ("规则", "单位", "项目", "应配", "实有", "缺口", "结论")] for r in sheet[1:])
    assert got == expected
    counts = list(book["计数"].iter_rows(values_only=True))
    assert counts[0][:4] == ("单位代码", "单位", "类别", "执法人员数")
    assert [c[0] for c in counts[1:]] == ["CZ", "CZ-BGS", "CZ-ZD", "CZ-TN", "CZ-TN-01", "CZ-TN-02", "CZ-ZL",
                                          "CZ-ZL-01"]


def test_pdf_renders_chinese_with_pages_and_signature(small_bureau, tmp_path):
    pdf = run("--unit", "CZ-TN", "--standard", "jiangsu", fmt="pdf", tmp_path=tmp_path)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "对讲机" in text and "天宁大队" in text and "合规核查报告" in text
    assert f"第 1 页 / 共 {len(reader.pages)} 页" in reader.pages[0].extract_text()
    assert "核查人（签字）" in text
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    cjk = [f for f in fonts if "WenQuanYi" in str(f["/BaseFont"])]
    assert cjk and all("/FontFile2" in f["/FontDescriptor"].get_object() for f in cjk)  # embedded, not referenced


def test_html_export_has_rows_clause_text_and_colours(small_bureau, tmp_path):
    html = run("--unit", "CZ", "--standard", "jiangsu", fmt="html", tmp_path=tmp_path).decode("utf-8")
    assert "每2名执法人员至少配备1台对讲机。" in html
    assert 'class="fail" data-rule="recorders-per-officer" data-unit="CZ-ZL"' in html
    assert 'id="unit-CZ-ZL-01"' in html


def test_stdout_when_no_output(small_bureau, capfdbinary):
    call_command("compliance", "--unit", "CZ-TN", "--standard", "jiangsu", "--format", "csv")
    assert capfdbinary.readouterr().out.decode("utf-8").startswith("合规核查报告\n单位,天宁大队（CZ-TN）")


@pytest.mark.parametrize("args,chinese,english", [
    (["--unit", "NOPE", "--standard", "jiangsu"], "没有编码为 NOPE 的单位", "No unit with code NOPE"),
    (["--unit", "CZ", "--standard", "anhui"], "未知的标准“anhui”", "Unknown standard “anhui”"),
    (["--unit", "CZ", "--standard", "jiangsu", "--as-of", "2026-02-30"], "不是日期", "is not a date"),
    (["--unit", "CZ", "--standard", "jiangsu", "--as-of", "2999-01-01"], "在今天之后", "is in the future"),
    (["--standard", "jiangsu"], "须给出 --unit 和 --standard", "--unit and --standard are required"),
    (["--snapshot", "999999"], "没有编号为 999999 的已保存达标报告", "No saved compliance report #999999"),
])
def test_bad_input_is_a_clear_error_in_the_command_lines_language(small_bureau, args, chinese, english):
    with translation.override("zh-hans"), pytest.raises(CommandError, match=chinese):
        call_command("compliance", *args)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("compliance", *args)
    assert english in str(refused.value) and not CJK.search(str(refused.value))


def test_lang_en_is_the_whole_runs_language(small_bureau, capfdbinary):
    """The command's own `--lang en` reads as QM_LANGUAGE=en does: the standard's title in the report's header
    (it used to stay Chinese: the report was built before --lang took effect) and the refusals."""
    with translation.override("zh-hans"):
        call_command("compliance", "--unit", "CZ-TN", "--standard", "model", "--format", "csv", "--lang", "en")
        lines = capfdbinary.readouterr().out.decode("utf-8").splitlines()
        with pytest.raises(CommandError) as refused:
            call_command("compliance", "--unit", "NOPE", "--standard", "jiangsu", "--lang", "en")
    standard = next(line for line in lines if line.startswith("Standard,"))
    assert "Provincial Standard for Standardised Urban Management Law Enforcement" in standard
    assert "省级" not in standard
    assert "No unit with code NOPE" in str(refused.value) and not CJK.search(str(refused.value))


def test_cli_exits_non_zero_with_the_reason_on_stderr(db, monkeypatch, capfd):
    from django.db import connections

    from quartermaster import cli

    # Django closes every connection when a command ends; that would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        cli.main(["compliance", "--unit", "NOPE", "--standard", "jiangsu", "--skip-checks"])
    assert exited.value.code != 0
    out, err = capfd.readouterr()
    assert "没有编码为 NOPE 的单位" in err
    assert out == ""


# --- snapshots --------------------------------------------------------------------------------------------

def test_snapshot_re_renders_identically_in_every_format(small_bureau, tmp_path, capfd):
    call_command("compliance", "--unit", "CZ", "--standard", "jiangsu", "--save", "--output", str(tmp_path / "o"))
    snapshot = ComplianceSnapshot.objects.get()
    assert f"已保存达标报告快照 #{snapshot.pk}" in capfd.readouterr().err
    original = json.loads((tmp_path / "o").read_bytes())
    assert snapshot.report == original
    first = {fmt: run("--snapshot", str(snapshot.pk), fmt=fmt, tmp_path=tmp_path)
             for fmt in ("json", "csv", "xlsx", "pdf", "html")}
    # The registry changes after the inspection: the saved report does not.
    registry.asset_report_lost(asset=small_bureau["assets"]["RAD-001"], date_lost=timezone.localdate())
    registry.person_update(person=small_bureau["people"]["O1"], status="suspended")
    for fmt, body in first.items():
        assert run("--snapshot", str(snapshot.pk), fmt=fmt, tmp_path=tmp_path) == body, fmt
    assert json.loads(first["json"]) == original
    live = compliance_report(unit=small_bureau["units"]["CZ"], standard_id="jiangsu",
                             as_of=timezone.localdate()).data
    assert live != original


def test_snapshots_are_append_only(small_bureau):
    from quartermaster.errors import DomainError

    call_command("compliance", "--unit", "CZ-TN", "--standard", "model", "--save", "--output", os.devnull)
    snapshot = ComplianceSnapshot.objects.get()
    snapshot.report = {}
    with pytest.raises(DomainError, match="只能追加"):
        snapshot.save()


# --- API --------------------------------------------------------------------------------------------------

def test_api_returns_the_same_json_within_scope(small_bureau, api_client_for):
    auditor = make_user("auditor-tn", "auditor", unit=small_bureau["units"]["CZ-TN"])
    client = api_client_for(auditor)
    response = client.get("/api/v1/compliance/", {"unit": "CZ-TN", "standard": "model", "as_of": "2026-01-15"})
    assert response.status_code == 200
    expected = compliance_report(unit=small_bureau["units"]["CZ-TN"], standard_id="model",
                                 as_of=timezone.datetime(2026, 1, 15).date()).data
    assert response.json() == expected
    outside = client.get("/api/v1/compliance/", {"unit": "CZ", "standard": "model"})
    assert outside.status_code == 403 and "不在您的管辖范围内" in outside.json()["detail"]


@pytest.mark.parametrize("params,status,text", [
    ({"unit": "NOPE", "standard": "jiangsu"}, 404, "没有编码为 NOPE 的单位"),
    ({"unit": "CZ", "standard": "anhui"}, 400, "未知的标准"),
    ({"unit": "CZ", "standard": "jiangsu", "as_of": "yesterday"}, 400, "不是日期"),
])
def test_api_bad_input(small_bureau, api_client_for, params, status, text):
    client = api_client_for(make_user("fleet", "fleet"))
    response = client.get("/api/v1/compliance/", params)
    assert response.status_code == status and text in response.json()["detail"]


def test_api_needs_a_role(small_bureau, api_client_for):
    assert api_client_for(make_user("nobody", None)).get(
        "/api/v1/compliance/", {"unit": "CZ", "standard": "jiangsu"}).status_code == 403


def test_api_snapshot_save_and_read(small_bureau, api_client_for):
    auditor = api_client_for(make_user("auditor", "auditor"))
    saved = auditor.post("/api/v1/compliance/snapshots/", {"unit": "CZ-ZL", "standard": "jiangsu",
                                                          "as_of": "2026-02-01"}, format="json")
    assert saved.status_code == 201, saved.content
    body = saved.json()
    assert (body["unit"], body["standard"], body["as_of"], body["created_by_name"]) == (
        "CZ-ZL", "jiangsu", "2026-02-01", "auditor")
    again = auditor.get(f"/api/v1/compliance/snapshots/{body['id']}/").json()
    assert again["report"] == body["report"] == auditor.get(
        "/api/v1/compliance/", {"unit": "CZ-ZL", "standard": "jiangsu", "as_of": "2026-02-01"}).json()
    logistics = api_client_for(make_user("logistics", "logistics"))
    assert logistics.post("/api/v1/compliance/snapshots/", {"unit": "CZ", "standard": "jiangsu"},
                          format="json").status_code == 403
    scoped = api_client_for(make_user("auditor-tn", "auditor", unit=small_bureau["units"]["CZ-TN"]))
    assert scoped.get(f"/api/v1/compliance/snapshots/{body['id']}/").status_code == 404
    assert scoped.post("/api/v1/compliance/snapshots/", {"unit": "CZ-ZL", "standard": "jiangsu"},
                       format="json").status_code == 403


# --- pages ------------------------------------------------------------------------------------------------

@pytest.fixture
def auditor_client(client, small_bureau):
    client.force_login(make_user("auditor", "auditor"))
    return client


def test_report_page_drill_down_and_links(auditor_client):
    page = auditor_client.get("/compliance/", {"unit": "CZ", "standard": "jiangsu"}).content.decode()
    assert "每2名执法人员至少配备1台对讲机。" in page
    assert "?unit=CZ-TN&amp;standard=jiangsu" in page  # drill-down to a unit's own report
    assert 'class="shortfall" href="/compliance/evidence/?unit=CZ-ZL&amp;standard=jiangsu&amp;' \
           'rule=recorders-per-officer' in page
    assert 'class="fail" data-rule="recorders-per-officer" data-unit="CZ-ZL"' in page


def test_evidence_page_lists_the_records_behind_a_row(auditor_client):
    page = auditor_client.get("/compliance/evidence/", {"unit": "CZ-TN", "standard": "jiangsu",
                                                        "rule": "radios-per-officer"}).content.decode()
    assert all(tag in page for tag in ("RAD-001", "RAD-002", "RAD-003"))
    assert "对讲机配备（radios-per-officer）" in page
    assert "RAD-004" not in page and "RAD-005" not in page  # lost and retired
    # Each record opens, and so does the list the row counted.
    radio = Asset.objects.get(tag="RAD-001")
    assert f'<a class="record" href="/api/v1/assets/{radio.pk}/">RAD-001</a>' in page
    assert auditor_client.get(f"/api/v1/assets/{radio.pk}/").json()["tag"] == "RAD-001"
    listed = auditor_client.get("/api/v1/assets/?within=CZ-TN&category=radio&status=in_stock&status=issued"
                                "&status=in_repair")
    assert listed.status_code == 200 and listed.json()["count"] == 3
    assert 'href="/api/v1/assets/?within=CZ-TN&amp;category=radio"' in page
    page = auditor_client.get("/compliance/evidence/", {"unit": "CZ", "standard": "jiangsu",
                                                        "rule": "valid-certificate"}).content.decode()
    assert "O3" in page and "O9" in page and "人员O1<" not in page
    o9 = Person.objects.get(staff_no="O9")
    assert f'<a class="record" href="/api/v1/personnel/{o9.pk}/">O9</a>' in page
    assert auditor_client.get(f"/api/v1/personnel/{o9.pk}/").json()["staff_no"] == "O9"
    assert auditor_client.get("/api/v1/personnel/?within=CZ&role=officer&status=active").json()["count"] == 8
    page = auditor_client.get("/compliance/evidence/", {"unit": "CZ", "standard": "jiangsu",
                                                        "rule": "vehicle-livery"}).content.decode()
    car = Vehicle.objects.get(plate="苏D·A0002")
    assert f'<tr class="fail"><td><a class="record" href="/vehicles/{car.pk}/">苏D·A0002</a>' in page
    assert auditor_client.get(f"/vehicles/{car.pk}/").status_code == 200
    page = auditor_client.get("/compliance/evidence/", {"unit": "CZ", "standard": "jiangsu",
                                                        "rule": "return-on-departure"}).content.decode()
    assert "人员O7" in page and "执勤大衣" in page


def test_compare_page_shows_both_standards(auditor_client):
    page = auditor_client.get("/compliance/compare/", {"unit": "CZ"}).content.decode()
    assert "一线执法人员的比例不得低于90%。" in page and "一线执法人员占比不低于85%。" in page
    assert 'data-standard="jiangsu">不符合' in page and 'data-standard="model">符合' in page
    assert "一线执法人员比例<br>" in page  # the rule's title beside its id


def test_page_downloads_and_errors(auditor_client):
    pdf = auditor_client.get("/compliance/", {"unit": "CZ", "standard": "model", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bad = auditor_client.get("/compliance/", {"unit": "CZ", "standard": "model", "as_of": "nope"})
    assert bad.status_code == 400 and "不是日期" in bad.content.decode()


def test_page_save_and_view_snapshot(auditor_client):
    response = auditor_client.post("/compliance/snapshots/", {"unit": "CZ", "standard": "model",
                                                              "as_of": "2026-03-01"})
    snapshot = ComplianceSnapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/compliance/snapshots/{snapshot.pk}/"
    page = auditor_client.get(response["Location"]).content.decode()
    assert f"#{snapshot.pk}" in page and "2026-03-01" in page
    csv_body = auditor_client.get(response["Location"], {"format": "csv"}).content
    assert csv_body == auditor_client.get(response["Location"], {"format": "csv"}).content


def test_page_scope_is_enforced(client, small_bureau):
    client.force_login(make_user("auditor-tn", "auditor", unit=small_bureau["units"]["CZ-TN"]))
    assert client.get("/compliance/", {"unit": "CZ-ZL", "standard": "jiangsu"}).status_code == 403
    assert client.get("/compliance/", {"standard": "jiangsu"}).status_code == 200  # defaults to own unit


def test_page_downloads_speak_the_users_language(auditor_client, settings):
    params = {"unit": "CZ-TN", "standard": "jiangsu", "format": "xlsx"}
    zh = load_workbook(io.BytesIO(auditor_client.get("/compliance/", params).content))
    assert zh.sheetnames[0] == "摘要"
    auditor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = load_workbook(io.BytesIO(auditor_client.get("/compliance/", params).content))
    assert en.sheetnames[0] == "Summary"
    assert list(en["Results"].iter_rows(values_only=True))[0][9] == "Result"
    page = auditor_client.get("/compliance/", {"unit": "CZ-TN", "standard": "jiangsu"}).content.decode()
    assert "Failing clauses" in page and 'id="unit-picker"' in page and "Radios per officer" in page
    body = auditor_client.get("/compliance/", {"unit": "CZ-TN", "standard": "jiangsu", "format": "json"}).json()
    assert {r["status"] for r in body["results"]} <= {"pass", "fail", "not_applicable", "insufficient_data"}


def test_snapshot_list_names_the_statuses(auditor_client):
    auditor_client.post("/compliance/snapshots/", {"unit": "CZ", "standard": "model"})
    page = auditor_client.get("/compliance/snapshots/").content.decode()
    snapshot = ComplianceSnapshot.objects.get()
    assert f"不符合 {snapshot.report['summary']['fail']}" in page and "not_applicable" not in page
