"""The auditor's report page in headless Chromium: summary and failing rules first, the unit picker, colours,
drill-down to a unit and a shortfall's records; screenshots of the page and of the XLSX summary go to
test-artifacts/compliance/."""
import html
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from assets.models import OrgUnit
from compliance.render import render_xlsx
from compliance.services import compliance_report
from tests.compliance.test_compliance_fixture import build_small_bureau
from tests.support.browser import CHROMIUM, orm_allowed_under_playwright
from tests.support.fixtures import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "compliance"


@pytest.fixture
def page_as_auditor(request, live_server, transactional_db):
    """An auditor's Chromium page on the small bureau the tests compute by hand, or on the demo's sample bureau
    (`@pytest.mark.parametrize("page_as_auditor", ["sample"], indirect=True)`); it collects the page's script
    errors in `page.errors`."""
    from playwright.sync_api import sync_playwright

    from workbook.sample_bureau import load_sample_bureau

    load_sample_bureau() if getattr(request, "param", "small") == "sample" else build_small_bureau()
    client = Client()
    client.force_login(make_user("auditor", "auditor"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        try:
            yield page, live_server.url
        finally:
            browser.close()


def _top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_report_page_summary_failing_first_and_unit_picker(page_as_auditor):
    page, base = page_as_auditor
    page.goto(f"{base}/compliance/?unit=CZ&standard=jiangsu")
    # The summary, then the failing rules, then the rows by unit.
    assert _top(page, "#unit-summary") < _top(page, "#failing") < _top(page, "#unit-picker")
    assert page.locator('#unit-summary tr[data-summary-unit="CZ-ZL"] td[data-count="fail"]').inner_text() != "0"
    failing = page.locator('#failing tr[data-failing-rule="recorders-per-officer"][data-failing-unit="CZ-ZL"]')
    assert failing.is_visible() and "执法记录仪配备" in failing.inner_text()

    # The picker shows one unit at a time, the requested one first.
    picker = page.locator("#unit-picker")
    assert picker.input_value() == "CZ"
    assert page.locator("#unit-CZ").is_visible() and not page.locator("#unit-CZ-ZL").is_visible()
    one_unit = page.evaluate("document.documentElement.scrollHeight")
    picker.select_option("CZ-ZL")
    row = page.locator('#unit-CZ-ZL tr[data-rule="recorders-per-officer"]')
    assert row.is_visible() and not page.locator("#unit-CZ").is_visible()
    assert row.get_attribute("data-status") == "fail"
    assert row.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 227, 227)"
    assert "#unit-CZ-ZL" in page.url
    page.screenshot(path=str(ARTIFACTS / "page-unit.png"), full_page=True)

    # A unit's name in the summary picks that unit.
    page.locator('#unit-summary a.unit-link[data-unit="CZ-TN"]').click()
    page.wait_for_function("document.getElementById('unit-picker').value === 'CZ-TN'")
    passing = page.locator('#unit-CZ-TN tr[data-rule="radios-per-officer"]')
    assert passing.is_visible() and not page.locator("#unit-CZ-ZL").is_visible()
    assert passing.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(227, 249, 229)"
    # Failing rows lead each unit's table.
    statuses = page.locator("#unit-CZ-TN tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses == sorted(statuses, key=lambda s: {"fail": 0, "insufficient_data": 1, "pass": 2}.get(s, 3))

    picker.select_option("")
    assert page.locator(".unit-section:visible").count() == page.locator("#unit-picker option").count() - 1 > 4
    assert page.evaluate("document.documentElement.scrollHeight") > one_unit
    page.screenshot(path=str(ARTIFACTS / "page-top.png"), full_page=False)
    assert page.errors == []


def test_report_page_drills_down_and_links_to_records(page_as_auditor):
    page, base = page_as_auditor
    page.goto(f"{base}/compliance/?unit=CZ&standard=jiangsu")
    page.locator("a.drill", has_text="单独核查").first.click()  # the first sub-unit with rows: CZ-ZD
    page.wait_for_load_state()
    assert "unit=CZ-ZD" in page.url
    assert page.locator("#report-unit").inner_text() == "常州市城市管理行政执法支队（CZ-ZD）"
    page.goto(f"{base}/compliance/?unit=CZ-ZL&standard=jiangsu")
    assert page.locator("#report-unit").inner_text() == "钟楼大队（CZ-ZL）"

    page.locator('#failing tr[data-failing-unit="CZ-ZL"][data-failing-rule="camera-per-brigade"] a.shortfall').click()
    page.wait_for_load_state()
    assert "/compliance/evidence/" in page.url and "rule=camera-per-brigade" in page.url
    assert page.locator("#evidence-table tbody tr").count() == 1 and "无记录" in page.inner_text("#evidence-table")

    page.goto(f"{base}/compliance/compare/?unit=CZ")
    row = page.locator('#compliance-compare tr[data-rule="frontline-ratio"]')
    assert row.locator('td[data-standard="jiangsu"]').inner_text() == "不符合"
    assert row.locator('td[data-standard="model"]').inner_text() == "符合"


def test_xlsx_summary_screenshot(page_as_auditor):
    """The XLSX summary sheet as a reader sees it, drawn from the cells read back (test-artifacts/compliance/)."""
    page, _base = page_as_auditor
    report = compliance_report(unit=OrgUnit.objects.get(code="CZ"), standard_id="jiangsu", as_of=timezone.localdate())
    with translation.override("zh-hans"):  # the Chinese workbook, whatever language an earlier test left active
        sheet = load_workbook(io.BytesIO(render_xlsx(report)))["摘要"]
    fills = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fill_type == "solid":
                fills[cell.coordinate] = cell.fill.fgColor.rgb[-6:]
    rows = "".join(
        "<tr>" + "".join(
            f'<td style="background:#{fills.get(c.coordinate, "ffffff")};{"font-weight:bold" if c.font.b else ""}">'
            f'{html.escape("" if c.value is None else str(c.value))}</td>' for c in row) + "</tr>"
        for row in sheet.iter_rows())
    page.set_content(f"""<html><head><meta charset="utf-8"><style>
        body {{ font-family: "WenQuanYi Zen Hei", sans-serif; font-size: 13px; margin: 12px; }}
        td {{ border: 1px solid #d0d7de; padding: 2px 6px; white-space: nowrap; }}
        table {{ border-collapse: collapse; }}
        </style></head><body><table id="sheet">{rows}</table></body></html>""")
    assert page.locator("#sheet td", has_text="各单位核查结论").count() == 1
    assert page.locator("#sheet tr", has_text="钟楼大队（CZ-ZL）").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "xlsx-summary.png"), full_page=True)
    assert (ARTIFACTS / "xlsx-summary.png").stat().st_size > 10_000


@pytest.mark.parametrize("page_as_auditor", ["sample"], indirect=True)
def test_the_demo_bureaus_report_page_reads_in_a_few_screens(page_as_auditor):
    """The demo's whole bureau: the page was 10,884 px tall with every unit's rows; the summary, the failing rules
    and one unit's rows at a time keep it to a few screens, and every unit is a pick away."""
    page, base = page_as_auditor
    page.goto(f"{base}/compliance/?unit=CZ&standard=jiangsu")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, height
    units = page.locator("#unit-picker option").evaluate_all("options => options.map(o => o.value)")
    assert units[0] == "" and units[1] == "CZ" and "CZ-XB-03" in units
    assert page.locator("#failing tbody tr").count() == int(
        page.locator('.chip[data-status="fail"]').inner_text().split()[-1])
    page.screenshot(path=str(ARTIFACTS / "page-sample-bureau.png"), full_page=True)
    page.locator("#unit-picker").select_option("CZ-XB-03")
    info = page.locator('#unit-CZ-XB-03 tr[data-rule="info-system-per-squadron"]')
    assert info.is_visible() and info.get_attribute("data-status") == "fail"  # the squadron without one
    assert page.errors == []
