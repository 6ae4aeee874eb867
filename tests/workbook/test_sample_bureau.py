"""The demo's sample bureau (workbook/sample_bureau.py): its history imports stage by stage, dated relative to the
load day, so the ledger and the personnel history reach years back and a past-date report gives a past answer."""
import datetime as dt
import io
import time

import pytest
from django.utils import timezone

from compliance.services import compliance_report
from assets.models import CustodyEvent, OrgUnit, Person, PersonHistory
from workbook.sample_bureau import STAGE_DAYS, build_sample_history, build_sample_workbook, load_sample_bureau

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        started = time.monotonic()
        results = load_sample_bureau()
        yield {"results": results, "seconds": time.monotonic() - started}
        transaction.set_rollback(True)


@pytest.fixture
def bureau(loaded, db):
    return loaded


def _row(report: dict, rule: str, unit: str = "CZ") -> dict:
    return next(r for r in report["results"] if r["rule"] == rule and r["unit"] == unit)


def test_every_stage_imports_and_the_last_is_todays_workbook(bureau, tmp_path):
    assert len(bureau["results"]) == len(STAGE_DAYS)
    assert bureau["seconds"] < 240
    today = timezone.localdate()
    stages = build_sample_history(tmp_path / "history", today=today)
    assert [day for day, _path in stages] == [today - dt.timedelta(days=d) for d in STAGE_DAYS]
    final = build_sample_workbook(tmp_path / "today", today=today)
    for name in ("personnel.csv", "assets.csv", "vehicles.csv", "trips.csv"):
        assert (stages[-1][1] / name).read_bytes() == (final / name).read_bytes(), name
    # Nothing in the sample lies in the future of its load day, whatever that day is.
    later = build_sample_history(tmp_path / "other", today=dt.date(2031, 3, 1))
    assert later[0][0] == dt.date(2031, 3, 1) - dt.timedelta(days=STAGE_DAYS[0])


def test_the_history_is_spread_over_past_years_not_stamped_at_load_time(bureau):
    today = timezone.localdate()
    joined = sorted({h.effective for h in PersonHistory.objects.all()})
    assert joined[0] <= today - dt.timedelta(days=STAGE_DAYS[0]) and len(joined) >= len(STAGE_DAYS)
    issues = [timezone.localtime(at).date() for at in CustodyEvent.objects.filter(action="issue").values_list(
        "occurred_at", flat=True)]
    assert len({d.year for d in issues}) >= 4
    assert sum(1 for d in issues if d == today) < 0.15 * len(issues)  # most kit was issued long before the load
    assert Person.objects.filter(status="transferred", role="auxiliary").count() == 6


def test_a_report_as_of_a_past_date_gives_the_past_answer(bureau):
    cz = OrgUnit.objects.get(code="CZ")
    today = timezone.localdate()
    now = compliance_report(unit=cz, standard_id="jiangsu", as_of=today).data
    year_ago = compliance_report(unit=cz, standard_id="jiangsu", as_of=today - dt.timedelta(days=365)).data
    early = compliance_report(unit=cz, standard_id="jiangsu", as_of=today - dt.timedelta(days=STAGE_DAYS[0])).data
    officers = [_row(r, "frontline-ratio")["required"] for r in (early, year_ago, now)]
    assert 0 < officers[0] < officers[1] <= officers[2]  # the bureau grew
    # Two certificates ran out this year: failing now, valid a year ago.
    assert _row(now, "valid-certificate")["shortfall"] >= 2
    assert _row(year_ago, "valid-certificate")["shortfall"] < _row(now, "valid-certificate")["shortfall"]
    # The transferred officer still holds his kit now; a year ago he had not left.
    assert _row(now, "return-on-departure")["status"] == "fail"
    assert _row(year_ago, "return-on-departure")["status"] != "fail"
    assert now != year_ago


def test_the_deliberate_gaps_are_reported(bureau):
    cz = OrgUnit.objects.get(code="CZ")
    today = timezone.localdate()
    jiangsu = compliance_report(unit=cz, standard_id="jiangsu", as_of=today).data
    model = compliance_report(unit=cz, standard_id="model", as_of=today).data
    assert _row(jiangsu, "auxiliaries-uniformed")["shortfall"] == 2  # two work cards ran out
    assert _row(jiangsu, "auxiliaries-decreasing")["status"] == "pass"  # six auxiliaries left half a year ago
    assert 0 < _row(model, "full-insignia-set")["shortfall"] < 10  # a few officers without an armband
    assert _row(jiangsu, "seal-custodian")["shortfall"] == 1
    assert _row(jiangsu, "info-system-per-squadron", "CZ-XB-03")["status"] == "fail"


def test_the_demo_bureaus_pdf_opens_with_its_summary(bureau):
    """The PDF an auditor hands in for the whole demo bureau: the summary and the failing clauses on the first
    pages, then unit by unit (its pages go to test-artifacts/compliance/)."""
    from pypdf import PdfReader

    from compliance.render import render_pdf
    from tests.compliance.test_compliance_render import save_pages

    report = compliance_report(unit=OrgUnit.objects.get(code="CZ"), standard_id="jiangsu", as_of=timezone.localdate())
    body = render_pdf(report)
    pages = PdfReader(io.BytesIO(body)).pages
    first = " ".join(pages[0].extract_text().split())
    assert "摘要：各单位核查结论" in first and "新北大队 CZ-XB 大队" in first
    assert len(pages) <= 16, len(pages)
    save_pages(body, "sample-bureau-report", pages=3)


def test_the_sample_carries_prices_and_finance_cards_for_the_book_value(bureau):
    from assets.models import Asset

    radios = Asset.objects.filter(category_id="radio")
    assert radios.exists() and not radios.filter(price__isnull=True).exists()
    assert all(1300 <= r.price <= 1600 and r.finance_card_no.endswith(r.tag) for r in radios)
    uniforms = Asset.objects.filter(category_id="uniform")
    assert not uniforms.filter(price__isnull=True).exists() and not uniforms.exclude(finance_card_no="").exists()
    assert not Asset.objects.filter(category_id="certificate", price__isnull=False).exists()
