"""The human formats of a compliance report (compliance/render.py): the reader's language, a summary first,
rows grouped by unit, each rule's clause text once, every row kind laid out, user text kept inert. The new PDF's
pages go to test-artifacts/compliance/ as PNG (pdftoppm)."""
import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from compliance import render
from compliance.services import Report
from tests.compliance.test_compliance_output import module_bureau, small_bureau  # noqa: F401 - fixtures

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "compliance"
ZH_STATUSES = {"符合", "不符合", "不适用", "数据不足"}
EN_STATUSES = {"Pass", "Fail", "Not applicable", "Insufficient data"}
NA_TEXT = "每个执法大队应当配备一套专业摄像设备，用于重大案件现场勘查取证，并由专人负责保管、维护和登记使用情况。"


def csv_sections(text: str) -> dict[str, list]:
    """The CSV's blocks by title: the headline lines under "" (label, value), each titled table as dicts."""
    blocks, block = [], []
    for line in csv.reader(io.StringIO(text)):
        if line:
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    blocks.append(block)
    out = {"": blocks[0]}
    for block in blocks[1:]:
        title, header, rows = block[0][0], block[1], block[2:]
        out[title] = [dict(zip(header, row)) for row in rows]
    return out


def pdf_text(body: bytes) -> str:
    """The PDF's text with every run of white space (a table cell's edge, a wrapped line) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def dense(text: str) -> str:
    """Without any white space: a long clause text wraps wherever the column ends."""
    return "".join(text.split())


def save_pages(body: bytes, name: str, pages: int = 3) -> list[Path]:
    """The PDF's first pages as PNG in test-artifacts/compliance/ (what a reviewer looks at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(body)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", str(pages), str(pdf), str(ARTIFACTS / name)],
                   check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def every_kind_report(unit_name: str = "天宁大队") -> Report:
    """One row of each status, rows with an item, a local threshold and figures that are None."""
    rows = [
        {"rule": "radios-per-officer", "unit": "CZ-TN", "clause": "设备管理/通讯设备管理/2",
         "text": "每2名执法人员至少配备1台对讲机。", "required": 3, "actual": 3, "shortfall": 0, "status": "pass"},
        {"rule": "protective-equipment", "unit": "CZ-TN", "clause": "设备管理/警戒防护设备管理/1",
         "text": "城市管理行政执法机构应当配备一定数量的防护装备。", "required": 2, "actual": 0, "shortfall": 2,
         "status": "fail", "item": "警示隔离设备", "local": {"protective_barrier": 2}},
        {"rule": "protective-equipment", "unit": "CZ-TN", "clause": "设备管理/警戒防护设备管理/1",
         "text": "城市管理行政执法机构应当配备一定数量的防护装备。", "required": 5, "actual": 5, "shortfall": 0,
         "status": "pass", "item": "反光背心", "local": {"protective_reflective_vest": 1.0}},
        {"rule": "office-equipment", "unit": "CZ-TN", "clause": "设备管理/办公设备管理/1",
         "text": "配备电脑、电话、传真机、复（打）印机、扫描仪等办公设备。", "required": 1, "actual": 0, "shortfall": 1,
         "status": "fail", "item": "传真机"},
        {"rule": "camera-per-brigade", "unit": "CZ-TN-01", "clause": "设备管理/勘查取证设备管理/2", "text": NA_TEXT,
         "required": None, "actual": None, "shortfall": None, "status": "not_applicable"},
        {"rule": "recorder-daily-offload", "unit": "CZ-TN", "clause": "执法程序/执法全过程记录/6",
         "text": "执法记录仪应当每日及时存储。", "required": None, "actual": None, "shortfall": None,
         "status": "insufficient_data"},
    ]
    summary = {s: sum(1 for r in rows if r["status"] == s) for s in render.SUMMARY_STATUSES}
    data = {"standard": "jiangsu", "unit": "CZ-TN", "as_of": "2026-03-01", "results": rows, "summary": summary}
    context = {"unit_name": unit_name, "standard_title": "江苏省城市管理执法规范化建设标准（试行）",
               "units": {"CZ-TN": {"name": unit_name, "kind": "brigade", "path": "/CZ/CZ-ZD/CZ-TN/"},
                         "CZ-TN-01": {"name": "第一中队", "kind": "squadron", "path": "/CZ/CZ-ZD/CZ-TN/CZ-TN-01/"}},
               "settings": {}, "counts": {"columns": ["unit", "name", "kind", "officers", "radio"],
                                          "rows": [["CZ-TN", unit_name, "brigade", 5, 3]]}}
    return Report(data, context)


# --- every row kind ---------------------------------------------------------------------------------

def test_pdf_lays_out_every_row_kind():
    body = render.render_pdf(every_kind_report())
    text = pdf_text(body)
    rows_part, clauses_part = text.split("条款原文")[-2], text.split("条款原文")[-1]
    rows_part = rows_part.split("核查结果（按单位）")[1]
    for label in ZH_STATUSES:
        assert label in rows_part
    assert "警示隔离设备" in rows_part and "传真机" in rows_part  # the item of protective/office rows
    # N/A and insufficient rows print dashes in the number columns; the clause text stands once, with its rule.
    assert "— — — 数据不足" in rows_part and "— — — 不适用" in rows_part
    assert dense(NA_TEXT) not in dense(rows_part)
    assert dense(clauses_part).count(dense(NA_TEXT)) == 1
    assert "本地阈值protective_barrier=2;本地阈值protective_reflective_vest=1.0" in dense(clauses_part)
    save_pages(body, "every-row-kind", pages=2)


def test_xlsx_and_csv_carry_every_row_kind():
    book = load_workbook(io.BytesIO(render.render_xlsx(every_kind_report())))
    rows = list(book["核查结果"].iter_rows(values_only=True))
    header = rows[0]
    by_rule = {(r[header.index("规则")], r[header.index("项目")]): r for r in rows[1:]}
    assert by_rule[("camera-per-brigade", None)][header.index("结论")] == "不适用"
    assert by_rule[("camera-per-brigade", None)][header.index("应配")] is None
    assert by_rule[("recorder-daily-offload", None)][header.index("结论")] == "数据不足"
    assert by_rule[("office-equipment", "传真机")][header.index("缺口")] == 1
    # Within a unit, failing rows come first.
    assert [r[header.index("结论")] for r in rows[1:] if r[header.index("单位")] == "CZ-TN"] == [
        "不符合", "不符合", "数据不足", "符合", "符合"]
    sections = csv_sections(render.render_csv(every_kind_report()).decode("utf-8"))
    assert [r["结论"] for r in sections["核查结果（按单位）"]] == ["不符合", "不符合", "数据不足", "符合", "符合", "不适用"]
    assert [r["项目"] for r in sections["不符合条款"]] == ["警示隔离设备", "传真机"]


def test_user_text_stays_text_in_every_format():
    name = '=HYPERLINK("http://evil")<b>天宁</b><img src="/etc/passwd"/>'
    report = every_kind_report(unit_name=name)
    text = dense(pdf_text(render.render_pdf(report)))
    assert dense(name) in text
    book = load_workbook(io.BytesIO(render.render_xlsx(report)))
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "'" + name in cells and name not in cells
    results = list(book["核查结果"].iter_rows(values_only=True))
    assert results[1][1] == "'" + name
    assert f"\"'{name.replace(chr(34), chr(34) * 2)}\"" in render.render_csv(report).decode("utf-8")
    html = render.render_html(report).decode("utf-8")
    assert "<b>天宁" not in html and "&lt;b&gt;天宁" in html


# --- the small bureau --------------------------------------------------------------------------------

def run(*args, fmt: str, tmp_path) -> bytes:
    path = tmp_path / f"out.{fmt}"
    call_command("compliance", *args, "--format", fmt, "--output", str(path))
    return path.read_bytes()


def test_pdf_opens_with_the_summary_then_groups_rows_by_unit(small_bureau, tmp_path):
    body = run("--unit", "CZ", "--standard", "jiangsu", fmt="pdf", tmp_path=tmp_path)
    text = pdf_text(body)
    flat = text
    order = [flat.index(h) for h in ("摘要：各单位核查结论", "不符合条款", "核查结果（按单位）", "条款原文", "核查人（签字）")]
    assert order == sorted(order)
    # The summary's table: each unit with its counts in the order 符合 不符合 不适用 数据不足.
    data = json.loads(run("--unit", "CZ", "--standard", "jiangsu", fmt="json", tmp_path=tmp_path))
    counts = {}
    for row in data["results"]:
        counts.setdefault(row["unit"], {s: 0 for s in render.SUMMARY_STATUSES})[row["status"]] += 1
    summary = flat[:flat.index("核查结果（按单位）")]
    assert "钟楼大队 CZ-ZL 大队 {pass} {fail} {not_applicable} {insufficient_data}".format(**counts["CZ-ZL"]) in text
    # The failing clauses, with the shortfall: 钟楼大队 holds no camera.
    assert "钟楼大队（CZ-ZL） 大队专业摄像设备 camera-per-brigade 设备管理/勘查取证设备管理/2 1 0 1" in summary
    # Rows by unit, units in tree order, each heading with its counts.
    rows = flat[flat.index("核查结果（按单位）"):flat.index("条款原文", flat.index("核查结果（按单位）"))]
    headings = [rows.index(f"{name}（{code}）") for code, name in (
        ("CZ", "常州市城市管理局"), ("CZ-ZD", "常州市城市管理行政执法支队"), ("CZ-TN", "天宁大队"),
        ("CZ-TN-01", "CZ-TN-01中队"), ("CZ-TN-02", "CZ-TN-02中队"), ("CZ-ZL", "钟楼大队"))]
    assert headings == sorted(headings)
    labels = {"pass": "符合", "fail": "不符合", "not_applicable": "不适用", "insufficient_data": "数据不足"}
    heading = " · ".join(f"{labels[s]} {n}" for s, n in counts["CZ-ZL"].items() if n)
    assert f"钟楼大队（CZ-ZL）大队 — {heading}" in rows
    # The clause text once per rule, not on every row.
    assert dense(flat).count("每2名执法人员至少配备1台对讲机。") == 1
    pages = save_pages(body, "compliance-report")
    assert pages and all(p.stat().st_size > 10_000 for p in pages)


def test_xlsx_speaks_chinese_by_default_and_english_when_switched(small_bureau, tmp_path, settings):
    args = ("--unit", "CZ", "--standard", "jiangsu")
    zh = load_workbook(io.BytesIO(run(*args, fmt="xlsx", tmp_path=tmp_path)))
    assert zh.sheetnames == ["摘要", "核查结果", "条款原文", "计数"]
    rows = list(zh["核查结果"].iter_rows(values_only=True))
    assert rows[0] == ("单位", "单位名称", "规则", "规则名称", "条款", "项目", "应配", "实有", "缺口", "结论", "备注")
    assert {r[9] for r in rows[1:]} <= ZH_STATUSES and "不符合" in {r[9] for r in rows[1:]}
    radios = [r for r in rows if r[0] == "CZ-TN" and r[2] == "radios-per-officer"]
    assert radios == [("CZ-TN", "天宁大队", "radios-per-officer", "对讲机配备", "设备管理/通讯设备管理/2", None, 3, 3, 0,
                       "符合", None)], radios
    summary = list(zh["摘要"].iter_rows(values_only=True))
    assert summary[0][0] == "合规核查报告"
    assert ("单位", "单位代码", "类别", "符合", "不符合", "不适用", "数据不足") in summary

    en = load_workbook(io.BytesIO(run(*args, "--lang", "en", fmt="xlsx", tmp_path=tmp_path)))
    assert en.sheetnames == ["Summary", "Results", "Clause texts", "Counts"]
    rows = list(en["Results"].iter_rows(values_only=True))
    assert rows[0] == ("Unit", "Unit name", "Rule", "Rule name", "Clause", "Item", "Required", "Actual", "Shortfall",
                       "Result", "Note")
    assert {r[9] for r in rows[1:]} <= EN_STATUSES and "Fail" in {r[9] for r in rows[1:]}
    assert ("CZ-TN", "天宁大队", "radios-per-officer", "Radios per officer", "设备管理/通讯设备管理/2", None, 3, 3, 0,
            "Pass", None) in rows
    assert list(en["Summary"].iter_rows(values_only=True))[0][0] == "Compliance report"

    settings.QM_LANGUAGE = "en"  # QM_LANGUAGE=en in the environment
    assert load_workbook(io.BytesIO(run(*args, fmt="xlsx", tmp_path=tmp_path))).sheetnames[0] == "Summary"
    sections = csv_sections(run(*args, fmt="csv", tmp_path=tmp_path).decode("utf-8"))
    assert {r["Result"] for r in sections["Results by unit"]} <= EN_STATUSES
    # The contract does not change with the language.
    assert json.loads(run(*args, fmt="json", tmp_path=tmp_path)) == json.loads(
        run(*args, "--lang", "zh-hans", fmt="json", tmp_path=tmp_path))


def test_xlsx_summary_counts_each_unit_and_lists_the_failing_clauses(small_bureau, tmp_path):
    args = ("--unit", "CZ", "--standard", "jiangsu")
    data = json.loads(run(*args, fmt="json", tmp_path=tmp_path))
    sheet = list(load_workbook(io.BytesIO(run(*args, fmt="xlsx", tmp_path=tmp_path)))["摘要"].iter_rows(
        values_only=True))
    start = sheet.index(("单位", "单位代码", "类别", "符合", "不符合", "不适用", "数据不足")) + 1
    by_unit = {}
    for row in sheet[start:]:
        if row[0] is None:
            break
        by_unit[row[1]] = row[3:7]
    for code, counts in by_unit.items():
        rows = [r for r in data["results"] if r["unit"] == code]
        assert counts == tuple(sum(1 for r in rows if r["status"] == s) for s in render.SUMMARY_STATUSES), code
    assert set(by_unit) == {r["unit"] for r in data["results"]}
    start = sheet.index(("单位", "规则", "条款", "项目", "应配", "实有", "缺口")) + 1
    failing = [row for row in sheet[start:] if row[0]]
    assert len(failing) == data["summary"]["fail"]
    assert ("钟楼大队（CZ-ZL）", "大队专业摄像设备", "设备管理/勘查取证设备管理/2", None, 1, 0, 1) in failing


def test_english_pdf(small_bureau, tmp_path):
    text = pdf_text(run("--unit", "CZ-TN", "--standard", "model", "--lang", "en", fmt="pdf", tmp_path=tmp_path))
    assert "Compliance report" in text and "Summary: results by unit" in text and "Radios per officer" in text
    assert "Fail" in text and "核查结果（按单位）" not in text and "不符合" not in text
    # English typography: a colon and brackets as in English, no full-width ones around the codes.
    assert "Unit: " in text and "(CZ-TN)" in text and "（CZ-TN）" not in text and "：" not in text


def test_cli_rejects_an_unknown_language(small_bureau):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="invalid choice"):
        call_command("compliance", "--unit", "CZ", "--standard", "jiangsu", "--lang", "fr")


def test_a_bad_qm_language_is_a_system_check_error(settings):
    from assets.checks import check_report_language

    settings.QM_LANGUAGE = "fr"
    assert [e.id for e in check_report_language()] == ["qm.E104"]
    settings.QM_LANGUAGE = "en"
    assert check_report_language() == []
