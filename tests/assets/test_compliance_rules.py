"""Every compliance rule against the hand-computed small bureau (tests/assets/test_compliance_fixture.py), today and
in the past, for both standards; plus the evaluator's boundaries on hand-made counts."""
import datetime as dt
from collections import Counter
from fractions import Fraction

import pytest
from django.utils import timezone

from assets import services as registry
from assets.compliance import facts as facts_module
from assets.compliance.facts import Facts, UnitRow
from assets.compliance.rules import ceil_times, evaluate, rollup
from assets.compliance.services import compliance_report
from assets.compliance.standards import get_standard
from assets.models import Asset
from tests.assets.test_compliance_fixture import build_small_bureau, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def module_bureau(django_db_setup, django_db_blocker):
    """The bureau built once for the module in an outer transaction, rolled back at the end; each test runs in a
    savepoint inside it (as Django's TestCase.setUpTestData), so what a test writes is undone after it."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_small_bureau()
        transaction.set_rollback(True)


@pytest.fixture
def small_bureau(module_bureau, db):
    return module_bureau


@pytest.fixture(scope="module")
def reports(module_bureau, django_db_blocker):
    """Reports for both standards today, 200 days ago and 2 days ago, computed once for the module."""
    with django_db_blocker.unblock():
        bureau = module_bureau
        today = timezone.localdate()
        out = {"bureau": bureau, "today": today}
        for std in ("jiangsu", "model"):
            for label, day in (("now", today), ("past", today - dt.timedelta(days=200)),
                               ("recent", today - dt.timedelta(days=2))):
                out[(std, label)] = compliance_report(unit=bureau["units"]["CZ"], standard_id=std, as_of=day).data
            out[(std, "TN")] = compliance_report(unit=bureau["units"]["CZ-TN"], standard_id=std, as_of=today).data
            out[(std, "BGS")] = compliance_report(unit=bureau["units"]["CZ-BGS"], standard_id=std,
                                                  as_of=today).data
    return out


def row(report, rule, unit, item=None):
    found = [r for r in report["results"] if r["rule"] == rule and r["unit"] == unit and r.get("item") == item]
    assert len(found) == 1, (rule, unit, item, found)
    r = found[0]
    return r["required"], r["actual"], r["shortfall"], r["status"]


def units_of(report, rule):
    return [r["unit"] for r in report["results"] if r["rule"] == rule]


# --- staffing ---------------------------------------------------------------------------------------------

def test_officers_per_population_at_every_unit_with_a_population(reports):
    j = reports[("jiangsu", "now")]
    assert units_of(j, "officers-per-population") == ["CZ", "CZ-TN", "CZ-ZL"]
    assert row(j, "officers-per-population", "CZ") == (50, 8, 42, "fail")
    assert row(j, "officers-per-population", "CZ-TN") == (5, 5, 0, "pass")  # exactly at the threshold
    assert row(j, "officers-per-population", "CZ-ZL") == (5, 3, 2, "fail")  # ceil(8001 × 5 / 10000) = 5
    assert "officers-per-population" not in units_of(reports[("model", "now")], "officers-per-population")


def test_frontline_ratio_thresholds_differ_between_standards(reports):
    # n = 8 active officers, 7 frontline (the suspended O4 counts for neither).
    assert row(reports[("jiangsu", "now")], "frontline-ratio", "CZ") == (8, 7, 1, "fail")  # ceil(7.2)
    assert row(reports[("model", "now")], "frontline-ratio", "CZ") == (7, 7, 0, "pass")  # ceil(6.8)
    assert row(reports[("jiangsu", "now")], "frontline-ratio", "CZ-TN-01") == (3, 2, 1, "fail")
    assert row(reports[("jiangsu", "now")], "frontline-ratio", "CZ-TN-02") == (2, 2, 0, "pass")


def test_per_officer_rules_cover_the_unit_and_every_unit_with_officers(reports):
    units = units_of(reports[("jiangsu", "now")], "radios-per-officer")
    assert units == ["CZ", "CZ-ZD", "CZ-TN", "CZ-TN-01", "CZ-TN-02", "CZ-ZL", "CZ-ZL-01"]  # not the empty CZ-BGS


def test_valid_certificate_counts_expired_and_missing_but_not_expiring_today(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "valid-certificate", "CZ") == (8, 6, 2, "fail")
    assert row(j, "valid-certificate", "CZ-TN-01") == (3, 2, 1, "fail")  # O3 expired yesterday
    assert row(j, "valid-certificate", "CZ-TN-02") == (2, 2, 0, "pass")  # O5 expires today: still valid
    assert row(j, "valid-certificate", "CZ-ZL-01") == (3, 2, 1, "fail")  # O9 has none
    assert row(reports[("model", "now")], "valid-certificate", "CZ") == (8, 6, 2, "fail")


def test_auxiliaries_decreasing_against_one_year_earlier(reports):
    assert row(reports[("jiangsu", "now")], "auxiliaries-decreasing", "CZ") == (2, 1, 0, "pass")
    # 200 days ago there is no history a year older than that.
    assert row(reports[("jiangsu", "past")], "auxiliaries-decreasing", "CZ") == (None, 2, None, "insufficient_data")


# --- equipment ratios -------------------------------------------------------------------------------------

def test_radios_ceil_and_counted_statuses(reports):
    j = reports[("jiangsu", "now")]
    # CZ-TN: 5 officers → ceil(5/2) = 3; two in stock + one in repair count, the lost and retired ones do not.
    assert row(j, "radios-per-officer", "CZ-TN") == (3, 3, 0, "pass")
    assert row(j, "radios-per-officer", "CZ-TN-02") == (1, 0, 1, "fail")
    assert row(j, "radios-per-officer", "CZ") == (4, 5, 0, "pass")
    assert row(reports[("model", "now")], "radios-per-officer", "CZ-TN-02") == (1, 0, 1, "fail")


def test_recorders_and_mobile_terminals(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "recorders-per-officer", "CZ-TN") == (5, 3, 2, "fail")
    assert row(j, "recorders-per-officer", "CZ-TN-01") == (3, 3, 0, "pass")
    assert row(j, "mobile-terminals-per-officer", "CZ-TN") == (5, 5, 0, "pass")
    assert row(j, "mobile-terminals-per-officer", "CZ") == (8, 5, 3, "fail")
    assert "mobile-terminals-per-officer" not in {r["rule"] for r in reports[("model", "now")]["results"]}


def test_vehicle_seats_count_in_service_and_in_repair_only(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "vehicle-seats-per-officer", "CZ-TN") == (5, 5, 0, "pass")  # exactly n seats
    assert row(j, "vehicle-seats-per-officer", "CZ-ZL") == (3, 4, 0, "pass")  # the retired 7-seater is out
    assert row(j, "vehicle-seats-per-officer", "CZ-TN-01") == (3, 0, 3, "fail")


def test_per_kind_rules_at_every_unit_of_that_kind(reports):
    j = reports[("jiangsu", "now")]
    assert units_of(j, "info-system-per-squadron") == ["CZ-TN-01", "CZ-TN-02", "CZ-ZL-01"]
    assert row(j, "info-system-per-squadron", "CZ-TN-02") == (1, 0, 1, "fail")
    assert row(j, "camera-per-brigade", "CZ-TN") == (1, 1, 0, "pass")
    assert row(j, "camera-per-brigade", "CZ-ZL") == (1, 0, 1, "fail")
    assert row(j, "storage-per-brigade", "CZ-TN") == (2, 2, 0, "pass")
    assert row(j, "storage-per-brigade", "CZ-ZL") == (2, 1, 1, "fail")
    assert row(reports[("model", "now")], "camera-per-brigade", "CZ-ZL") == (1, 0, 1, "fail")


def test_office_equipment_per_item_with_aliases(reports):
    j = reports[("jiangsu", "now")]
    assert units_of(j, "office-equipment").count("CZ-ZD") == 5
    assert row(j, "office-equipment", "CZ-ZD", "计算机") == (1, 2, 0, "pass")  # 电脑 at CZ-ZD + 计算机 in CZ-TN
    assert row(j, "office-equipment", "CZ-ZL", "扫描仪") == (1, 0, 1, "fail")
    assert row(j, "office-equipment", "CZ-TN", "复（打）印机") == (1, 1, 0, "pass")


def test_protective_equipment_per_item_with_local_ratio(reports):
    j = reports[("jiangsu", "now")]
    tn = [r for r in j["results"] if r["rule"] == "protective-equipment" and r["unit"] == "CZ-TN"]
    assert [r["item"] for r in tn] == ["多功能腰带", "防刺背心", "防割手套", "钢盔", "水壶", "防护眼镜", "手电筒"]
    assert all(r["local"] == {"protective_ratio": 1.0} for r in tn)
    assert row(j, "protective-equipment", "CZ-TN", "防刺背心") == (4, 4, 0, "pass")  # 4 frontline × 1.0
    assert row(j, "protective-equipment", "CZ-TN", "钢盔") == (4, 3, 1, "fail")
    model_items = [r["item"] for r in reports[("model", "now")]["results"]
                   if r["rule"] == "protective-equipment" and r["unit"] == "CZ-TN"]
    assert model_items == ["反光背心", "防割手套", "钢盔", "警示隔离设备"]


def test_protective_ratio_is_a_local_setting(small_bureau, settings):
    settings.QM_COMPLIANCE_SETTINGS = {"protective_ratio": 1.5}
    data = compliance_report(unit=small_bureau["units"]["CZ-TN"], standard_id="jiangsu",
                             as_of=timezone.localdate()).data
    assert row(data, "protective-equipment", "CZ-TN", "防刺背心") == (6, 4, 2, "fail")  # ceil(4 × 1.5)


# --- every-item rules -------------------------------------------------------------------------------------

def test_vehicle_livery_and_dossier(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "vehicle-livery", "CZ") == (2, 1, 1, "fail")
    assert row(j, "vehicle-dossier", "CZ") == (2, 1, 1, "fail")  # A0002's insurance expired yesterday
    assert row(reports[("jiangsu", "TN")], "vehicle-dossier", "CZ-TN") == (1, 1, 0, "pass")


def test_return_on_departure(reports):
    # O7 (transferred) still holds a uniform; O11 (retired) returned his; A2 (transferred) held nothing.
    assert row(reports[("jiangsu", "now")], "return-on-departure", "CZ") == (3, 2, 1, "fail")
    assert row(reports[("model", "now")], "return-on-departure", "CZ") == (3, 2, 1, "fail")
    assert row(reports[("jiangsu", "past")], "return-on-departure", "CZ") == (0, 0, None, "not_applicable")


def test_certificate_loss_reported_within_three_days(reports):
    assert row(reports[("jiangsu", "now")], "certificate-loss-reported", "CZ") == (2, 1, 1, "fail")
    assert row(reports[("jiangsu", "past")], "certificate-loss-reported", "CZ") == (0, 0, None, "not_applicable")


def test_seal_custodian(reports):
    assert row(reports[("jiangsu", "now")], "seal-custodian", "CZ") == (2, 1, 1, "fail")


def test_uniform_replacement(reports):
    # Issued: 春秋执勤服 due exactly today (not past), 皮鞋 overdue, 定制服装 unknown life (not judged), 执勤大衣 fine.
    assert row(reports[("model", "now")], "uniform-replacement", "CZ") == (3, 2, 1, "fail")
    assert "uniform-replacement" not in {r["rule"] for r in reports[("jiangsu", "now")]["results"]}


def test_recorder_daily_offload(reports):
    # R1 and R2 issued for all 7 days; R2 missed 2 days; the stocked recorder owes nothing.
    assert row(reports[("jiangsu", "now")], "recorder-daily-offload", "CZ") == (14, 12, 2, "fail")
    assert row(reports[("model", "now")], "recorder-daily-offload", "CZ") == (14, 12, 2, "fail")
    # As of 2 days ago: days -8..-2; docks reported for -6..-2 only (R1 5 days, R2 3 days).
    assert row(reports[("jiangsu", "recent")], "recorder-daily-offload", "CZ") == (14, 8, 6, "fail")
    assert row(reports[("jiangsu", "past")], "recorder-daily-offload", "CZ") == (None, None, None,
                                                                                "insufficient_data")


# --- as of a past date ------------------------------------------------------------------------------------

def test_past_answer_ignores_later_events(reports):
    past = reports[("jiangsu", "past")]
    # 200 days ago: O7 and O11 were still active officers (n = 10, frontline 9); the radio lost 100 days ago
    # still counted and the one received 50 days ago did not exist yet.
    assert row(past, "frontline-ratio", "CZ") == (9, 9, 0, "pass")
    assert row(past, "radios-per-officer", "CZ-TN-02") == (2, 1, 1, "fail")
    assert row(past, "radios-per-officer", "CZ-ZL-01") == (2, 1, 1, "fail")
    assert row(past, "radios-per-officer", "CZ") == (5, 5, 0, "pass")


def test_past_answer_unchanged_by_a_new_loss(small_bureau):
    cz = small_bureau["units"]["CZ"]
    past = timezone.localdate() - dt.timedelta(days=200)
    before = compliance_report(unit=cz, standard_id="jiangsu", as_of=past).data
    radio = small_bureau["assets"]["RAD-001"]
    registry.asset_report_lost(asset=radio, date_lost=timezone.localdate(), date_reported=timezone.localdate())
    after = compliance_report(unit=cz, standard_id="jiangsu", as_of=past).data
    assert after == before
    now = compliance_report(unit=cz, standard_id="jiangsu", as_of=timezone.localdate()).data
    assert row(now, "radios-per-officer", "CZ-TN") == (3, 2, 1, "fail")


def test_current_and_ledger_paths_agree(small_bureau, monkeypatch):
    """Today read from the current tables equals today read from the ledger and history."""
    cz = small_bureau["units"]["CZ"]
    today = timezone.localdate()
    fast = compliance_report(unit=cz, standard_id="model", as_of=today).data
    monkeypatch.setattr(facts_module, "is_current", lambda day: False)
    slow = compliance_report(unit=cz, standard_id="model", as_of=today).data
    assert fast == slow


def test_empty_unit_reads_not_applicable(reports):
    bgs = reports[("jiangsu", "BGS")]
    assert row(bgs, "radios-per-officer", "CZ-BGS") == (0, 0, None, "not_applicable")
    assert row(bgs, "camera-per-brigade", "CZ-BGS") == (None, 0, None, "not_applicable")
    assert row(bgs, "officers-per-population", "CZ-BGS") == (None, 0, None, "not_applicable")
    assert bgs["summary"]["fail"] == 0


def test_subtree_report_is_limited_to_the_subtree(reports):
    tn = reports[("jiangsu", "TN")]
    assert {r["unit"] for r in tn["results"]} == {"CZ-TN", "CZ-TN-01", "CZ-TN-02"}
    assert row(tn, "recorder-daily-offload", "CZ-TN") == (14, 12, 2, "fail")


# --- the evaluator on hand-made counts --------------------------------------------------------------------

def _facts(officers: int, frontline: int, **own) -> Facts:
    unit = UnitRow(1, "U", "单位", "brigade", "/U/", None, None)
    return Facts(as_of=dt.date(2026, 1, 1), root_id=1, units=[unit],
                 own={1: Counter(officers=officers, frontline=frontline, **own)})


@pytest.mark.parametrize("n,frontline,jiangsu,model", [
    (10, 9, "pass", "pass"),   # exactly 90 %
    (20, 17, "fail", "pass"),  # exactly 85 %
    (7, 6, "fail", "pass"),    # ceil(6.3) = 7; ceil(5.95) = 6
    (1, 1, "pass", "pass"),
])
def test_frontline_boundaries(n, frontline, jiangsu, model):
    def status(std):
        return next(f.status for f in evaluate(get_standard(std), _facts(n, frontline)) if f.rule == "frontline-ratio")
    assert (status("jiangsu"), status("model")) == (jiangsu, model)


@pytest.mark.parametrize("n,radios,required,status", [(5, 3, 3, "pass"), (5, 2, 3, "fail"), (4, 2, 2, "pass"),
                                                       (1, 1, 1, "pass"), (0, 0, 0, "not_applicable")])
def test_radio_ceil(n, radios, required, status):
    finding = next(f for f in evaluate(get_standard("jiangsu"), _facts(n, n, **{"asset:radio": radios}))
                   if f.rule == "radios-per-officer")
    assert (finding.required, finding.status) == (required, status)


def test_ceil_times_is_exact():
    assert ceil_times(10, 0.9) == 9  # float 10 × 0.9 would be 9.000000000000002 → 10
    assert ceil_times(3, 1.0) == 3
    assert ceil_times(5, 0.5) == 3
    assert ceil_times(7, Fraction(85, 100)) == 6  # 5.95
    assert ceil_times(0, 1.5) == 0


def test_rollup_sums_subtrees():
    units = [UnitRow(1, "A", "A", "bureau", "/A/", None, None), UnitRow(2, "B", "B", "brigade", "/A/B/", 1, None),
             UnitRow(3, "C", "C", "squadron", "/A/B/C/", 2, None)]
    facts = Facts(as_of=dt.date(2026, 1, 1), root_id=1, units=units,
                  own={1: Counter(officers=1), 3: Counter(officers=2)})
    totals = rollup(facts)
    assert [totals[i]["officers"] for i in (1, 2, 3)] == [3, 2, 2]


def test_insufficient_data_without_history_or_docks():
    findings = {f.rule: f for f in evaluate(get_standard("jiangsu"), _facts(2, 2))}
    assert findings["auxiliaries-decreasing"].status == "insufficient_data"
    assert findings["recorder-daily-offload"].status == "insufficient_data"


def test_events_at_the_end_of_the_day_belong_to_it():
    assert facts_module.end_of_day(dt.date(2026, 3, 1)) == dt.datetime(2026, 3, 2, tzinfo=facts_module.SHANGHAI)
    assert days_ago(0).date() == timezone.localdate()


def test_vehicle_seats_follow_the_vehicle_file_history(small_bureau):
    """Seats count where the vehicle stood, in the state it was in, on the day asked: in_repair counts, retired does
    not, and a transfer moves the seats from that day on."""
    from telematics import services as fleet

    u, today = small_bureau["units"], timezone.localdate()
    van = fleet.vehicle_create(plate="苏D·A0009", unit=u["CZ-TN-01"], seats=3, acquired=today - dt.timedelta(days=400))
    fleet.vehicle_change_status(vehicle=van, status="in_repair", effective=today - dt.timedelta(days=5))
    fleet.vehicle_transfer(vehicle=van, unit=u["CZ-TN-02"], effective=today - dt.timedelta(days=2))
    fleet.vehicle_change_status(vehicle=van, status="retired", effective=today)

    def seats(days_back: int, unit: str):
        data = compliance_report(unit=u["CZ-TN"], standard_id="jiangsu",
                                 as_of=today - dt.timedelta(days=days_back)).data
        return row(data, "vehicle-seats-per-officer", unit)

    assert seats(200, "CZ-TN-01") == (3, 3, 0, "pass")   # in service at TN-01 (n = 3: O1, O2, O3)
    assert seats(3, "CZ-TN-01") == (3, 3, 0, "pass")     # in repair: still counted
    assert seats(1, "CZ-TN-01") == (3, 0, 3, "fail")     # transferred away
    assert seats(1, "CZ-TN-02") == (2, 3, 0, "pass")     # … to TN-02 (n = 2: O5, O6)
    assert seats(0, "CZ-TN-02") == (2, 0, 2, "fail")     # retired today: no longer counted
    assert seats(0, "CZ-TN") == (5, 5, 0, "pass")        # only the fixture's A0001 is left


@pytest.mark.parametrize("days_back", [0, 200])
def test_index_lookup_and_path_scan_agree(small_bureau, monkeypatch, days_back):
    """A small subtree is read by unit ids, a large one by a path semi-join, the whole tree without a unit
    condition: all give the same report."""
    cz, as_of = small_bureau["units"]["CZ"], timezone.localdate() - dt.timedelta(days=days_back)
    monkeypatch.setattr(facts_module, "is_small", lambda units: False)
    whole = compliance_report(unit=cz, standard_id="jiangsu", as_of=as_of).data
    monkeypatch.setattr(facts_module, "is_whole", lambda units: False)
    scanned = compliance_report(unit=cz, standard_id="jiangsu", as_of=as_of).data
    monkeypatch.setattr(facts_module, "is_small", lambda units: True)
    looked_up = compliance_report(unit=cz, standard_id="jiangsu", as_of=as_of).data
    assert looked_up == scanned == whole
    assert any(r["status"] == "fail" for r in scanned["results"])


def test_uniform_without_acquisition_date_counts_from_its_issue(small_bureau, monkeypatch):
    """Shoes (2 years' service) without an acquisition date are judged from the day they were issued: today, as of
    a past date for items that moved since and for items that did not, and the same through the ledger path."""
    u, p, today = small_bureau["units"], small_bureau["people"], timezone.localdate()
    cz, past = u["CZ"], today - dt.timedelta(days=200)

    def uniforms(day):
        return row(compliance_report(unit=cz, standard_id="model", as_of=day).data, "uniform-replacement", "CZ")

    def shoes(tag, received, issued):
        item = registry.asset_create(tag=tag, category="uniform", unit=u["CZ-TN-01"], item="皮鞋", at=days_ago(received))
        registry.asset_issue(asset=item, person=p["O1"], at=days_ago(issued))
        return item

    now_before, past_before = uniforms(today), uniforms(past)
    shoes("SHOE-1", 1000, 900)  # 900 days issued: overdue now; 700 days 200 days ago: not yet
    shoes("SHOE-2", 300, 30)  # in stock 200 days ago; 30 days issued now
    registry.asset_return(asset=shoes("SHOE-3", 1000, 990), at=days_ago(10))  # 790 days issued 200 days ago
    required, actual, shortfall, _ = now_before
    assert uniforms(today) == (required + 2, actual + 1, shortfall + 1, "fail")
    required, actual, shortfall, _ = past_before
    assert uniforms(past) == (required + 2, actual + 1, shortfall + 1, "fail")
    monkeypatch.setattr(facts_module, "is_small", lambda units: True)
    assert uniforms(past) == (required + 2, actual + 1, shortfall + 1, "fail")


def test_brigade_in_the_past_reads_the_assets_moved_since(small_bureau, monkeypatch):
    """A small subtree's past report reads, of the assets moved since, only those in its units or held by its
    people now or then: a radio transferred out since still counts there, one transferred in does not, and the
    uniform O7 (gone 100 days ago) handed back since still counts against him; the same as the province's path."""
    u, p, today = small_bureau["units"], small_bureau["people"], timezone.localdate()
    tn, past = u["CZ-TN"], today - dt.timedelta(days=50)

    def report(small):
        monkeypatch.setattr(facts_module, "is_small", lambda units: small)
        monkeypatch.setattr(facts_module, "is_whole", lambda units: False)
        return compliance_report(unit=tn, standard_id="jiangsu", as_of=past).data

    before = report(True)
    leaving = registry.asset_create(tag="RAD-OUT", category="radio", unit=u["CZ-TN-01"], at=days_ago(300))
    arriving = registry.asset_create(tag="RAD-IN", category="radio", unit=u["CZ-ZL-01"], at=days_ago(300))
    registry.asset_transfer(asset=leaving, to_unit=u["CZ-ZL-01"], at=days_ago(1))
    registry.asset_transfer(asset=arriving, to_unit=u["CZ-TN-02"], at=days_ago(1))
    registry.asset_return(asset=Asset.objects.get(holder_person=p["O7"]), at=days_ago(1))
    small = report(True)
    for unit, more in (("CZ-TN-01", 1), ("CZ-TN-02", 0)):
        assert row(small, "radios-per-officer", unit)[1] == row(before, "radios-per-officer", unit)[1] + more
    assert row(small, "return-on-departure", "CZ-TN") == row(before, "return-on-departure", "CZ-TN")
    assert row(small, "return-on-departure", "CZ-TN")[3] == "fail"
    assert small == report(False)
