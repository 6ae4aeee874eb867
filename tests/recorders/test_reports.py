"""The not-inspected report as a page, as JSON/CSV/XLSX/PDF downloads and through `qm recorders`; the checks page;
every format says the period is a local threshold."""
import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from assets.models import Asset
from recorders import services
from tests.support.fixtures import make_user

from .conftest import recorder

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspected(bureau):
    """CZ-TN inspected 100 days ago (by someone whose name starts a formula); CZ-WJ never."""
    services.footage_inspection_record(inspected_on=timezone.localdate() - dt.timedelta(days=100),
                                       inspector="=赵六", unit=bureau["units"]["CZ-TN"], findings="<b>未存储</b>")
    return bureau


def _page(client, **query):
    return client.get("/recorders/inspections/", query)


def test_the_page_and_its_downloads(inspected, client):
    client.force_login(make_user("audit", "auditor", unit=inspected["units"]["CZ"]))
    html = _page(client, unit="CZ", days=90).content.decode()
    assert 'data-unit="CZ-TN" data-state="overdue"' in html and 'data-unit="CZ-WJ" data-state="never"' in html
    assert "&lt;b&gt;未存储&lt;/b&gt;" in html and "<b>未存储</b>" not in html
    assert "QM_FOOTAGE_INSPECTION_DAYS" in html

    data = json.loads(_page(client, unit="CZ", days=90, format="json").content)
    assert data["not_inspected"] == ["CZ-WJ", "CZ-TN"] and data["local_threshold"] is True

    response = _page(client, unit="CZ", days=90, format="csv")
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows.index(["大队代码", "大队", "状态", "最近检查日期", "距今天数", "检查人", "检查发现", "整改要求"])
    assert [r[:3] for r in rows[header + 1:]] == [["CZ-WJ", "武进大队", "从未检查"], ["CZ-TN", "天宁大队", "逾期未检查"]]
    assert rows[header + 2][5] == "'=赵六"  # a name is never a live formula

    book = load_workbook(io.BytesIO(_page(client, unit="CZ", days=90, format="xlsx").content))
    values = [[c for c in row] for row in book.active.iter_rows(values_only=True)]
    assert ["CZ-TN", "天宁大队", "逾期未检查"] == list(values[-1][:3]) and values[-1][5] == "'=赵六"
    assert any(row[0] == "本地阈值" for row in values)
    sheet = book.active
    assert book.sheetnames == ["检查台帐"] and sheet["A1"].font.sz == 14
    shaded = [r[2].value for r in sheet.iter_rows(min_row=2) if r[2].fill.fill_type == "solid"]
    assert shaded == ["从未检查", "逾期未检查"]  # the state of each brigade not inspected in the period
    assert [sheet.column_dimensions[c].width for c in "ABCDEFGH"] == [14, 22, 14, 14, 10, 16, 40, 40]

    pdf = _page(client, unit="CZ", days=90, format="pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "逾期未检查" in text and "从未检查" in text and "<b>未存储</b>" in text
    assert _page(client, unit="CZ", format="docx").status_code == 400


def test_the_page_in_english(inspected, client):
    client.force_login(make_user("audit", "auditor", unit=inspected["units"]["CZ"]))
    client.cookies["django_language"] = "en"
    rows = list(csv.reader(io.StringIO(_page(client, unit="CZ", days=90, format="csv").content.decode())))
    assert ["CZ-TN", "天宁大队", "Overdue"] in [r[:3] for r in rows]
    assert "Footage inspection register" in _page(client, unit="CZ").content.decode()


def test_a_scoped_reader_sees_their_brigade_only(inspected, client):
    client.force_login(make_user("logi", "logistics", unit=inspected["units"]["CZ-TN"]))
    data = json.loads(_page(client, format="json").content)
    assert [b["unit"] for b in data["brigades"]] == ["CZ-TN"]
    assert _page(client, unit="CZ-WJ").status_code == 403
    refused = client.post("/recorders/inspections/", {"inspected_on": timezone.localdate().isoformat(),
                                                      "inspector": "x", "unit": "CZ-TN"})
    assert refused.status_code == 403


def test_an_auditor_enters_an_inspection_on_the_page(bureau, client):
    client.force_login(make_user("audit", "auditor", unit=bureau["units"]["CZ-TN"]))
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    r = client.post("/recorders/inspections/", {"inspected_on": timezone.localdate().isoformat(), "inspector": "赵六",
                                                "unit": "CZ-TN", "recorders": "REC-1", "items_checked": "5",
                                                "findings": "良好"})
    assert r.status_code == 302
    html = _page(client).content.decode()
    assert 'data-unit="CZ-TN" data-state="inspected"' in html and "REC-1" in html


def test_the_checks_page_records_a_fault_and_lists_what_is_due(bureau, client):
    client.force_login(make_user("logi", "logistics", unit=bureau["units"]["CZ-TN"]))
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    recorder(bureau["units"]["CZ-TN-01"], "REC-2")
    html = client.get("/recorders/checks/").content.decode()
    assert 'data-tag="REC-1"' in html and 'data-tag="REC-2"' in html and "QM_RECORDER_MAINTENANCE_DAYS" in html
    r = client.post("/recorders/checks/", {"tag": "REC-1", "checked_on": timezone.localdate().isoformat(),
                                           "kind": "pre_use", "result": "fault", "performed_by": "P001",
                                           "note": "电池鼓包"})
    assert r.status_code == 302
    assert Asset.objects.get(tag="REC-1").status == "in_repair"
    history = client.get("/recorders/checks/", {"tag": "REC-1"}).content.decode()
    assert "电池鼓包" in history and "使用前检查" in history
    bad = client.post("/recorders/checks/", {"tag": "NOPE", "kind": "pre_use", "result": "ok"})
    assert bad.status_code == 400 and "NOPE" in bad.content.decode()


def test_qm_recorders_inspections_due(inspected, tmp_path, capsys):
    call_command("recorders", "inspections-due", "--unit", "CZ", "--days", "90")
    data = json.loads(capsys.readouterr().out)
    assert data["not_inspected"] == ["CZ-WJ", "CZ-TN"] and data["period_days"] == 90
    call_command("recorders", "inspections-due", "--unit", "CZ", "--days", "101")
    assert json.loads(capsys.readouterr().out)["not_inspected"] == ["CZ-WJ"]
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"due.{fmt}"
        call_command("recorders", "inspections-due", "--unit", "CZ", "--format", fmt, "--output", str(out))
        assert out.stat().st_size > 100
    call_command("recorders", "inspections-due", "--unit", "CZ", "--format", "csv", "--lang", "en")
    assert "Never inspected" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有编码为 NOPE 的单位"):
        call_command("recorders", "inspections-due", "--unit", "NOPE")
    with pytest.raises(CommandError, match="No unit with code NOPE"):  # --lang is the run's language, refusals too
        call_command("recorders", "inspections-due", "--unit", "NOPE", "--lang", "en")
    with pytest.raises(CommandError, match="不是日期"):
        call_command("recorders", "inspections-due", "--unit", "CZ", "--as-of", "yesterday")


def test_qm_recorders_shifts_and_maintenance_due(bureau, capsys):
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    services.shift_sign_out(card="P001", tag="REC-1")
    call_command("recorders", "shifts", "--unit", "CZ-TN")
    assert [s["tag"] for s in json.loads(capsys.readouterr().out)] == ["REC-1"]
    call_command("recorders", "maintenance-due", "--unit", "CZ")
    assert [d["tag"] for d in json.loads(capsys.readouterr().out)["due"]] == ["REC-1"]


def test_the_recorder_pages_in_english_hold_no_chinese_but_data(bureau, client):
    import re

    from assets.models import Category, OrgUnit
    from recorders.selectors import INSPECTION_CLAUSE, INSPECTION_TEXT, MAINTENANCE_CLAUSE, MAINTENANCE_TEXT

    client.force_login(make_user("admin", "administrator", unit=bureau["units"]["CZ"]))
    client.cookies["django_language"] = "en"
    recorder(bureau["units"]["CZ-TN-01"], "REC-1")
    data = sorted([u.name for u in OrgUnit.objects.all()] + [c.name for c in Category.objects.all()]
                  + ["简体中文", INSPECTION_CLAUSE, INSPECTION_TEXT, MAINTENANCE_CLAUSE, MAINTENANCE_TEXT],
                  key=len, reverse=True)
    for url in ("/recorders/counter/", "/recorders/checks/?tag=REC-1", "/recorders/inspections/"):
        html = client.get(url).content.decode()
        for name in data:
            html = html.replace(name, "")
        assert re.findall(r"[\u4e00-\u9fff]+", html) == [], url
