"""The shared report writers of quartermaster.spreadsheets: one layout for every title/headline/table report, every
cell neutralised against formulas."""
import csv
import io

from openpyxl import load_workbook

from quartermaster.spreadsheets import table_report_csv, table_report_xlsx

REPORT = {"title": "台帐", "headline": [("单位", "CZ"), ("说明", "=1+1")], "header": ["代码", "检查人", "天数"],
          "rows": [["CZ-TN", "=赵六", 12], ["CZ-WJ", "bell\x07", None]]}


def test_the_xlsx_layout_title_headline_blank_header_rows_widths_and_fills():
    book = load_workbook(io.BytesIO(table_report_xlsx(**REPORT, sheet="检查", widths=(14, 22, 10),
                                                      fills={(1, 2): "F8D7DA"})))
    assert book.sheetnames == ["检查"]
    sheet = book.active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["台帐", None, None], ["单位", "CZ", None], ["说明", "'=1+1", None], [None, None, None],
        ["代码", "检查人", "天数"], ["CZ-TN", "'=赵六", 12], ["CZ-WJ", "bell\ufffd", None]]
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 14
    assert all(c.font.b for c in sheet[5]) and not any(c.font.b for c in sheet[6])
    assert sheet["C7"].fill.fill_type == "solid" and sheet["C7"].fill.fgColor.rgb == "00F8D7DA"
    assert sheet["C6"].fill.fill_type is None
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [14, 22, 10]


def test_the_csv_twin_has_the_same_rows():
    rows = list(csv.reader(io.StringIO(table_report_csv(**REPORT).decode())))
    assert rows == [["台帐"], ["单位", "CZ"], ["说明", "'=1+1"], [], ["代码", "检查人", "天数"],
                    ["CZ-TN", "'=赵六", "12"], ["CZ-WJ", "bell\x07", ""]]
