"""Every compliance rule against the hand-computed small bureau (tests/compliance/test_compliance_fixture.py), today and
in the past, for both standards; plus the evaluator's boundaries on hand-made counts."""
import datetime as dt
from collections import Counter
from fractions import Fraction

import pytest
from django.utils import timezone

from assets import services as registry
from assets.models import Asset
from compliance import facts as facts_module
from compliance.facts import Facts, UnitRow
from compliance.rules import ceil_times, evaluate, rollup
from compliance.services import compliance_report
from compliance.standards import get_standard
from tests.compliance.test_compliance_fixture import build_small_bureau, days_ago

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


RESPONSIBLE = ["CZ", "CZ-ZD", "CZ-TN", "CZ-ZL"]


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
    assert row(reports[("jiangsu", "now")], "frontline-ratio", "CZ-TN") == (5, 4, 1, "fail")  # ceil(4.5)
    assert row(reports[("jiangsu", "now")], "frontline-ratio", "CZ-ZL") == (3, 3, 0, "pass")


@pytest.mark.parametrize("rule", ["frontline-ratio", "radios-per-officer", "recorders-per-officer",
                                  "mobile-terminals-per-officer", "valid-certificate", "auxiliaries-decreasing",
                                  "auxiliaries-uniformed", "vehicle-seats-per-officer"])
def test_unit_scoped_rules_at_the_unit_and_every_detachment_and_brigade(reports, rule):
    """Never at the office (办公室 has no quota of its own) nor at the squadrons (the brigade's pooled kit would
    make them fail)."""
    assert units_of(reports[("jiangsu", "now")], rule) == RESPONSIBLE


def test_protective_and_insignia_rows_only_at_responsible_units(reports):
    assert sorted(set(units_of(reports[("jiangsu", "now")], "protective-equipment"))) == sorted(RESPONSIBLE)
    assert units_of(reports[("model", "now")], "full-insignia-set") == RESPONSIBLE


def test_a_requested_squadron_or_office_gets_its_own_rows(small_bureau):
    today = timezone.localdate()
    squadron = compliance_report(unit=small_bureau["units"]["CZ-TN-01"], standard_id="jiangsu", as_of=today).data
    assert units_of(squadron, "frontline-ratio") == ["CZ-TN-01"]
    assert row(squadron, "frontline-ratio", "CZ-TN-01") == (3, 2, 1, "fail")
    # O1 and O2 hold a recorder each, REC-3 is in the pool: enough for the squadron's 3 officers.
    assert row(squadron, "recorders-per-officer", "CZ-TN-01") == (3, 3, 0, "pass")
    assert units_of(squadron, "info-system-per-squadron") == ["CZ-TN-01"]
    office = compliance_report(unit=small_bureau["units"]["CZ-BGS"], standard_id="jiangsu", as_of=today).data
    assert units_of(office, "frontline-ratio") == ["CZ-BGS"]


def test_valid_certificate_reads_the_certificate_assets(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "valid-certificate", "CZ") == (8, 6, 2, "fail")  # O3 expired yesterday, O9 has none
    # O5's lost certificate does not count; the replacement expiring today does (still valid on the day).
    assert row(j, "valid-certificate", "CZ-TN") == (5, 4, 1, "fail")
    assert row(j, "valid-certificate", "CZ-ZL") == (3, 2, 1, "fail")
    assert row(reports[("model", "now")], "valid-certificate", "CZ") == (8, 6, 2, "fail")
    # 200 days ago: O7 and O11 were active with their certificates, O3's was valid, O9 had none.
    assert row(reports[("jiangsu", "past")], "valid-certificate", "CZ") == (10, 9, 1, "fail")


def test_a_certificate_reported_lost_is_not_valid_from_then_on(small_bureau):
    tn, today = small_bureau["units"]["CZ-TN"], timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    registry.asset_report_lost(asset=small_bureau["assets"]["JS-O1"], date_lost=today, date_reported=today)
    assert row(compliance_report(unit=tn, standard_id="jiangsu", as_of=today).data,
               "valid-certificate", "CZ-TN") == (5, 3, 2, "fail")
    # Yesterday O1's certificate was held, and O3's (expiring yesterday) still valid.
    assert row(compliance_report(unit=tn, standard_id="jiangsu", as_of=yesterday).data,
               "valid-certificate", "CZ-TN") == (5, 5, 0, "pass")


def test_a_renewal_today_leaves_a_past_report_unchanged(small_bureau):
    """O9 gets a certificate (issued 30 days ago) that expired 10 days ago; renewing it today is a dated event."""
    from uniforms import services as logistics

    u, p, today = small_bureau["units"], small_bureau["people"], timezone.localdate()
    cert = registry.asset_create(tag="JS-O9", category="certificate", unit=u["CZ-ZL-01"], item="行政执法证",
                                 expires=today - dt.timedelta(days=10), at=days_ago(31))
    registry.asset_issue(asset=cert, person=p["O9"], at=days_ago(30))

    def valid(days_back):
        data = compliance_report(unit=u["CZ-ZL"], standard_id="jiangsu",
                                 as_of=today - dt.timedelta(days=days_back)).data
        return row(data, "valid-certificate", "CZ-ZL")

    assert valid(20) == (3, 3, 0, "pass")
    before = compliance_report(unit=u["CZ-ZL"], standard_id="jiangsu", as_of=today - dt.timedelta(days=5)).data
    assert row(before, "valid-certificate", "CZ-ZL") == (3, 2, 1, "fail")
    logistics.certificate_renew(person=p["O9"], expires_on=dt.date(2099, 1, 1))
    after = compliance_report(unit=u["CZ-ZL"], standard_id="jiangsu", as_of=today - dt.timedelta(days=5)).data
    assert after == before
    assert valid(0) == (3, 3, 0, "pass")
    assert Asset.objects.get(tag="JS-O9").expires == dt.date(2099, 1, 1)


def test_auxiliaries_decreasing_needs_a_real_decrease(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "auxiliaries-decreasing", "CZ") == (3, 2, 0, "pass")  # A1 A2 A3 a year ago, A1 A3 now
    assert row(j, "auxiliaries-decreasing", "CZ-TN") == (1, 1, 1, "fail")  # A1 then and now: no decrease
    assert row(j, "auxiliaries-decreasing", "CZ-ZL") == (2, 1, 0, "pass")
    # 200 days ago there is no history a year older than that.
    assert row(reports[("jiangsu", "past")], "auxiliaries-decreasing", "CZ") == (None, 3, None, "insufficient_data")
    assert "auxiliaries-decreasing" not in {r["rule"] for r in reports[("model", "now")]["results"]}


def test_auxiliaries_uniformed(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "auxiliaries-uniformed", "CZ") == (2, 1, 1, "fail")  # A3's work card expired
    assert row(j, "auxiliaries-uniformed", "CZ-TN") == (1, 1, 0, "pass")
    assert row(j, "auxiliaries-uniformed", "CZ-ZL") == (1, 0, 1, "fail")
    assert "auxiliaries-uniformed" not in {r["rule"] for r in reports[("model", "now")]["results"]}


def test_auxiliary_items_go_to_auxiliaries_only(small_bureau):
    from quartermaster.errors import DomainError

    u, p = small_bureau["units"], small_bureau["people"]
    card = registry.asset_create(tag="AUX-X", category="aux_card", unit=u["CZ-TN-01"])
    with pytest.raises(DomainError, match="只发给协管人员"):
        registry.asset_issue(asset=card, person=p["O1"])
    with pytest.raises(DomainError, match="只发给协管人员，不发给单位"):
        registry.asset_issue(asset=card, unit=u["CZ-TN-01"])
    registry.asset_issue(asset=card, person=p["A1"])
    assert Asset.objects.get(tag="AUX-X").holder_person == p["A1"]


def test_full_insignia_set(reports):
    m = reports[("model", "now")]
    assert row(m, "full-insignia-set", "CZ") == (8, 1, 7, "fail")  # only O1; O2 lacks the 胸号
    assert row(m, "full-insignia-set", "CZ-TN") == (5, 1, 4, "fail")
    assert "full-insignia-set" not in {r["rule"] for r in reports[("jiangsu", "now")]["results"]}


# --- equipment ratios -------------------------------------------------------------------------------------

def test_radios_ceil_and_counted_statuses(reports):
    j = reports[("jiangsu", "now")]
    # CZ-TN: 5 officers → ceil(5/2) = 3; two in stock + one in repair count, the lost and retired ones do not.
    assert row(j, "radios-per-officer", "CZ-TN") == (3, 3, 0, "pass")
    assert row(j, "radios-per-officer", "CZ-ZL") == (2, 2, 0, "pass")
    assert row(j, "radios-per-officer", "CZ") == (4, 5, 0, "pass")


def test_recorders_and_mobile_terminals_per_person(reports):
    j = reports[("jiangsu", "now")]
    # TN: O1 and O2 hold one each, REC-3 is in the pool: min(5, 2 + 1).
    assert row(j, "recorders-per-officer", "CZ-TN") == (5, 3, 2, "fail")
    assert row(j, "recorders-per-officer", "CZ-ZL") == (3, 0, 3, "fail")
    assert row(j, "mobile-terminals-per-officer", "CZ-TN") == (5, 5, 0, "pass")  # five in the brigade's pool
    assert row(j, "mobile-terminals-per-officer", "CZ") == (8, 5, 3, "fail")
    assert "mobile-terminals-per-officer" not in {r["rule"] for r in reports[("model", "now")]["results"]}


def test_an_officers_second_recorder_covers_nobody_else(small_bureau):
    """Two recorders for CZ-TN-02's two officers, both held by O5: 不符合, and the drill-down names O6."""
    from compliance.evidence import evidence_for

    u, p, today = small_bureau["units"], small_bureau["people"], timezone.localdate()
    for tag in ("REC-A", "REC-B"):
        registry.asset_issue(asset=registry.asset_create(tag=tag, category="recorder", unit=u["CZ-TN-02"]),
                             person=p["O5"])
    data = compliance_report(unit=u["CZ-TN-02"], standard_id="jiangsu", as_of=today).data
    assert row(data, "recorders-per-officer", "CZ-TN-02") == (2, 1, 1, "fail")
    standard = get_standard("jiangsu")
    rule = next(r for r in standard.rules if r.id == "recorders-per-officer")
    evidence = evidence_for(standard, rule, u["CZ-TN-02"], today)
    lacking = [r["values"][1] for r in evidence.rows if r["flag"] == "fail"]
    assert lacking == ["人员O6"]
    # Handed back and given to O6, it covers O6: 符合.
    registry.asset_return(asset=Asset.objects.get(tag="REC-B"))
    registry.asset_issue(asset=Asset.objects.get(tag="REC-B"), person=p["O6"])
    data = compliance_report(unit=u["CZ-TN-02"], standard_id="jiangsu", as_of=today).data
    assert row(data, "recorders-per-officer", "CZ-TN-02") == (2, 2, 0, "pass")


def test_vehicle_seats_count_in_service_and_in_repair_only(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "vehicle-seats-per-officer", "CZ-TN") == (5, 5, 0, "pass")  # exactly n seats
    assert row(j, "vehicle-seats-per-officer", "CZ-ZL") == (3, 4, 0, "pass")  # the retired 7-seater is out
    assert row(j, "vehicle-seats-per-officer", "CZ-ZD") == (8, 11, 0, "pass")


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
    assert sorted(set(units_of(j, "office-equipment"))) == ["CZ-TN", "CZ-ZD", "CZ-ZL"]
    items = [r["item"] for r in j["results"] if r["rule"] == "office-equipment" and r["unit"] == "CZ-ZD"]
    assert items == ["电脑", "电话", "传真机", "复（打）印机", "扫描仪"]
    assert row(j, "office-equipment", "CZ-ZD", "电脑") == (1, 2, 0, "pass")  # 电脑 at CZ-ZD + 计算机 in CZ-TN
    assert row(j, "office-equipment", "CZ-ZL", "扫描仪") == (1, 0, 1, "fail")
    assert row(j, "office-equipment", "CZ-TN", "复（打）印机") == (1, 1, 0, "pass")


def test_protective_equipment_one_local_setting_per_item(reports):
    j = reports[("jiangsu", "now")]
    tn = [r for r in j["results"] if r["rule"] == "protective-equipment" and r["unit"] == "CZ-TN"]
    assert [r["item"] for r in tn] == ["多功能腰带", "防刺背心", "防割手套", "钢盔", "水壶", "防护眼镜", "手电筒"]
    assert tn[1]["local"] == {"protective_stab_vest": 1.0}
    assert row(j, "protective-equipment", "CZ-TN", "防刺背心") == (4, 4, 0, "pass")  # 4 frontline × 1.0
    assert row(j, "protective-equipment", "CZ-TN", "钢盔") == (4, 3, 1, "fail")
    m = reports[("model", "now")]
    model_items = [r["item"] for r in m["results"] if r["rule"] == "protective-equipment" and r["unit"] == "CZ-TN"]
    assert model_items == ["反光背心", "防割手套", "钢盔", "警示隔离设备"]
    # The team item: 2 per brigade in the subtree, not per officer.
    assert row(m, "protective-equipment", "CZ-TN", "警示隔离设备") == (2, 3, 0, "pass")
    assert row(m, "protective-equipment", "CZ-ZL", "警示隔离设备") == (2, 0, 2, "fail")
    assert row(m, "protective-equipment", "CZ", "警示隔离设备") == (4, 3, 1, "fail")
    barrier = next(r for r in m["results"] if r["rule"] == "protective-equipment" and r["unit"] == "CZ"
                   and r["item"] == "警示隔离设备")
    assert barrier["local"] == {"protective_barrier": 2}
    assert row(m, "protective-equipment", "CZ-TN", "反光背心") == (4, 0, 4, "fail")


def test_protective_settings_are_local_per_item(small_bureau, settings):
    settings.QM_COMPLIANCE_SETTINGS = {"protective_stab_vest": 1.5, "model.protective_barrier": 1}
    today = timezone.localdate()
    data = compliance_report(unit=small_bureau["units"]["CZ-TN"], standard_id="jiangsu", as_of=today).data
    assert row(data, "protective-equipment", "CZ-TN", "防刺背心") == (6, 4, 2, "fail")  # ceil(4 × 1.5)
    assert row(data, "protective-equipment", "CZ-TN", "钢盔") == (4, 3, 1, "fail")  # its own setting: 1.0
    data = compliance_report(unit=small_bureau["units"]["CZ"], standard_id="model", as_of=today).data
    assert row(data, "protective-equipment", "CZ", "警示隔离设备") == (2, 3, 0, "pass")


def test_a_brigade_without_frontline_officers_reads_not_applicable_for_personal_items(small_bureau):
    data = compliance_report(unit=small_bureau["units"]["CZ-BGS"], standard_id="model",
                             as_of=timezone.localdate()).data
    assert row(data, "protective-equipment", "CZ-BGS", "反光背心") == (0, 0, None, "not_applicable")
    assert row(data, "protective-equipment", "CZ-BGS", "警示隔离设备") == (0, 0, None, "not_applicable")


# --- every-item rules -------------------------------------------------------------------------------------

def test_vehicle_livery_and_dossier(reports):
    j = reports[("jiangsu", "now")]
    assert row(j, "vehicle-livery", "CZ") == (3, 2, 1, "fail")
    # A0002 has no inspection record; A0004's expired insurance and inspection are records all the same.
    assert row(j, "vehicle-dossier", "CZ") == (3, 2, 1, "fail")
    assert row(reports[("jiangsu", "TN")], "vehicle-dossier", "CZ-TN") == (1, 1, 0, "pass")


def test_return_on_departure_is_uniform_and_insignia_of_transferred_people(reports):
    # Transferred: O7 still holds a uniform (and his certificate: not this rule's), A2 held nothing; the retired
    # O11 is not this rule's either.
    assert row(reports[("jiangsu", "now")], "return-on-departure", "CZ") == (2, 1, 1, "fail")
    assert row(reports[("model", "now")], "return-on-departure", "CZ") == (2, 1, 1, "fail")
    assert row(reports[("jiangsu", "past")], "return-on-departure", "CZ") == (0, 0, None, "not_applicable")


def test_certificate_surrender_on_transfer_or_retirement(reports):
    # O7 (transferred) still holds his certificate; O11 (retired) surrendered his; A2 held none.
    assert row(reports[("jiangsu", "now")], "certificate-surrender", "CZ") == (3, 2, 1, "fail")
    assert "certificate-surrender" not in {r["rule"] for r in reports[("model", "now")]["results"]}


def test_certificate_loss_reported_within_three_days(reports):
    assert row(reports[("jiangsu", "now")], "certificate-loss-reported", "CZ") == (2, 1, 1, "fail")
    assert row(reports[("jiangsu", "past")], "certificate-loss-reported", "CZ") == (0, 0, None, "not_applicable")


def test_seal_custodian(reports):
    assert row(reports[("jiangsu", "now")], "seal-custodian", "CZ") == (2, 1, 1, "fail")


def test_uniform_replacement_counts_from_the_issue_to_the_holder(reports):
    # Issued: 春秋执勤服 issued exactly 4 years ago (due today, not past), shoes issued 3 years ago (2 years'
    # service: overdue, though bought 5 years ago), 定制服装 unknown life (not judged), O7's greatcoat fine.
    assert row(reports[("model", "now")], "uniform-replacement", "CZ") == (3, 2, 1, "fail")
    assert "uniform-replacement" not in {r["rule"] for r in reports[("jiangsu", "now")]["results"]}


def test_uniform_replacement_and_the_replacement_due_list_agree(small_bureau):
    """One definition: the overdue lines of the uniforms app's list are the items the rule's drill-down flags."""
    from compliance.evidence import evidence_for
    from uniforms.selectors import replacement_due

    cz, today = small_bureau["units"]["CZ"], timezone.localdate()
    standard = get_standard("model")
    rule = next(r for r in standard.rules if r.id == "uniform-replacement")
    flagged = {r["values"][0] for r in evidence_for(standard, rule, cz, today).rows if r["flag"] == "fail"}
    due = replacement_due(unit=cz, start=today, end=today, include_unheld=False)["lines"]
    assert flagged == {line["tag"] for line in due if line["reason"] == "overdue"} == {"UNI-SHOE"}
    assert {line["tag"]: line["due_on"] for line in due if line["reason"] == "due"} == {"UNI-SA": today.isoformat()}


def test_recorder_daily_offload_counts_the_days_in_use(reports):
    """Days 1–7 before today: REC-1 held by O1 every day and offloaded every evening (7/7, the holiday 2 days ago
    counts because it recorded); REC-2 held by O2 is not in use on the holiday (no duty, nothing recorded), missed
    3 days ago and was offloaded late for 6 days ago (4 of 6); REC-3, pooled, was signed out for a shift 3 days
    ago (in use, never offloaded) and recorded 5 days ago (offloaded): 15 recorder-days, 12 offloaded."""
    assert row(reports[("jiangsu", "now")], "recorder-daily-offload", "CZ") == (15, 12, 3, "fail")
    assert row(reports[("jiangsu", "TN")], "recorder-daily-offload", "CZ-TN") == (15, 12, 3, "fail")
    # As of 2 days ago: days 3–9 before today, judged from the first dock report (8 days ago): REC-1 6/6,
    # REC-2 4/6 (6 days ago's offload came only 4 days ago), REC-3 1/2.
    assert row(reports[("jiangsu", "recent")], "recorder-daily-offload", "CZ") == (14, 11, 3, "fail")
    assert row(reports[("jiangsu", "past")], "recorder-daily-offload", "CZ") == (None, None, None,
                                                                                "insufficient_data")
    assert "recorder-daily-offload" not in {r["rule"] for r in reports[("model", "now")]["results"]}


def test_recorder_timely_offload_has_a_local_deadline(reports, small_bureau, settings):
    m = reports[("model", "now")]
    assert row(m, "recorder-timely-offload", "CZ") == (15, 12, 3, "fail")  # the default: 24 h after the day
    finding = next(r for r in m["results"] if r["rule"] == "recorder-timely-offload")
    assert finding["local"] == {"offload_window_days": 7, "offload_deadline_hours": 24}
    # 72 h: the days judged end 3 days ago (days 3–9, from 8 days ago); the late offload is now in time.
    settings.QM_COMPLIANCE_SETTINGS = {"model.offload_deadline_hours": 72}
    data = compliance_report(unit=small_bureau["units"]["CZ"], standard_id="model",
                             as_of=timezone.localdate()).data
    assert row(data, "recorder-timely-offload", "CZ") == (14, 12, 2, "fail")


def test_recorder_days_fast_counts_match_the_ledger_walk(small_bureau):
    """The report's SQL counts (recorders that kept one state) equal walking every recorder through the ledger."""
    from compliance import recorders
    from compliance.rules import needs

    cz, today = small_bureau["units"]["CZ"], timezone.localdate()
    for back in (0, 2):
        as_of = today - dt.timedelta(days=back)
        facts = facts_module.collect(cz, as_of, needs(get_standard("jiangsu")))
        walked = recorders.recorder_days(cz, as_of, facts.offload_days, 24)
        totals = rollup(facts)[cz.pk]
        assert (totals["recorder_days"], totals["recorder_days_offloaded"]) == (
            len(walked), sum(rd.offloaded for rd in walked))
        assert len(walked) > 0


SHARED_KEYS = ("vehicles", "seats", "vehicles_livery_compliant", "vehicles_dossier_complete", "recorder_days",
               "recorder_days_offloaded")


@pytest.mark.parametrize("standard_id", ["jiangsu", "model"])
@pytest.mark.parametrize("days_back", [0, 2, 50, 200])
@pytest.mark.parametrize("code", ["CZ", "CZ-TN"])
def test_fast_counts_match_the_orm_reference(small_bureau, monkeypatch, standard_id, days_back, code):
    """The SQL of facts.collect (current tables, moved assets, small and large subtrees) against the plain walk
    through the ledger and the person history (compliance.reference), unit by unit, key by key."""
    from compliance import reference
    from compliance.rules import needs

    registry.asset_transfer(asset=small_bureau["assets"]["RAD-001"], to_unit=small_bureau["units"]["CZ-ZL-01"],
                            at=days_ago(1))
    unit, as_of = small_bureau["units"][code], timezone.localdate() - dt.timedelta(days=days_back)
    wanted = needs(get_standard(standard_id))
    expected = {u: c for u, c in reference.counts(unit, as_of, wanted).items() if c}

    def fast():
        own = facts_module.collect(unit, as_of, wanted).own
        return {u: c for u, c in ((u, Counter({k: v for k, v in c.items() if v and k not in SHARED_KEYS}))
                                  for u, c in own.items()) if c}

    assert fast() == expected
    monkeypatch.setattr(facts_module, "is_small", lambda units: not units[0].code == "CZ")
    assert fast() == expected
    assert any(keys_ for keys_ in expected.values())


# --- as of a past date ------------------------------------------------------------------------------------

def test_past_answer_ignores_later_events(reports):
    past = reports[("jiangsu", "past")]
    # 200 days ago: O7 and O11 were still active officers (n = 10, frontline 9); the radio lost 100 days ago
    # still counted and the one received 50 days ago did not exist yet.
    assert row(past, "frontline-ratio", "CZ") == (9, 9, 0, "pass")
    assert row(past, "radios-per-officer", "CZ-TN") == (3, 4, 0, "pass")
    assert row(past, "radios-per-officer", "CZ-ZL") == (2, 1, 1, "fail")
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


@pytest.mark.parametrize("standard_id", ["jiangsu", "model"])
def test_current_and_ledger_paths_agree(small_bureau, monkeypatch, standard_id):
    """Today read from the current tables equals today read from the ledger and history."""
    cz = small_bureau["units"]["CZ"]
    today = timezone.localdate()
    fast = compliance_report(unit=cz, standard_id=standard_id, as_of=today).data
    monkeypatch.setattr(facts_module, "is_current", lambda day: False)
    slow = compliance_report(unit=cz, standard_id=standard_id, as_of=today).data
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
    assert units_of(tn, "frontline-ratio") == ["CZ-TN"]


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
    findings = {f.rule: f for f in evaluate(get_standard("jiangsu"), _facts(2, 2, auxiliaries=3))}
    assert findings["auxiliaries-decreasing"].status == "insufficient_data"
    assert findings["recorder-daily-offload"].status == "insufficient_data"


@pytest.mark.parametrize("now,year_ago,history,expected", [
    (3, 3, True, (3, 3, 1, "fail")),  # the same number is no decrease
    (2, 3, True, (3, 2, 0, "pass")),
    (4, 3, True, (3, 4, 2, "fail")),
    (0, 3, True, (3, 0, 0, "pass")),
    (0, 0, False, (None, 0, 0, "pass")),  # none now passes without history
    (1, 0, False, (None, 1, None, "insufficient_data")),
])
def test_auxiliaries_decreasing_boundaries(now, year_ago, history, expected):
    facts = _facts(1, 1, auxiliaries=now, auxiliaries_year_ago=year_ago)
    facts.history_year_ago = history
    f = next(f for f in evaluate(get_standard("jiangsu"), facts) if f.rule == "auxiliaries-decreasing")
    assert (f.required, f.actual, f.shortfall, f.status) == expected


@pytest.mark.parametrize("days,expected", [
    ([None], (None, None, None, "insufficient_data")),  # an imported loss without its dates
    ([None, 1], (None, None, None, "insufficient_data")),  # a timely report does not vouch for the undated loss
    ([None, 5], (1, 0, 1, "fail")),  # a late report fails whatever the undated loss was
    ([1, 3], (2, 2, 0, "pass")),  # exactly 3 days is in time
    ([], (0, 0, None, "not_applicable")),
])
def test_certificate_loss_reported_with_undated_losses(days, expected):
    facts = _facts(1, 1)
    facts.certificate_losses = [(1, d) for d in days]
    f = next(f for f in evaluate(get_standard("jiangsu"), facts) if f.rule == "certificate-loss-reported")
    assert (f.required, f.actual, f.shortfall, f.status) == expected


def test_an_imported_undated_loss_keeps_timely_reports_from_passing(db, tmp_path):
    """A certificate imported as lost carries no dates: beside a loss reported in time the rule cannot pass, and a
    late report fails it all the same (through `qm import` and the registry, as a bureau gets there)."""
    from quartermaster.context import change_context
    from workbook import import_workbook

    sheets = {
        "units": "code,name,kind,parent,population\nLX,局,bureau,,\nLX-B,大队,brigade,LX,\n",
        "personnel": "staff_no,name,unit,role,frontline,status,cert_no,cert_expires,badge_no\n"
                     "P1,甲,LX-B,officer,yes,active,LC1,2099-01-01,\nP2,乙,LX-B,officer,yes,active,LC2,2099-01-01,\n"
                     "P3,丙,LX-B,officer,yes,active,,,\n",
        "assets": "tag,category,item,unit,holder,status,serial,model,size,acquired,service_years,expires\n"
                  "LC0,certificate,,LX-B,P3,lost,,,,2024-01-01,,2099-01-01\n",
    }
    for name, body in sheets.items():
        (tmp_path / f"{name}.csv").write_text(body, encoding="utf-8")
    with change_context(source="import", username="tester"):
        import_workbook(tmp_path)
    today = timezone.localdate()

    def loss_row():
        data = compliance_report(unit=Asset.objects.get(tag="LC0").unit.parent, standard_id="jiangsu",
                                 as_of=today).data
        return row(data, "certificate-loss-reported", "LX")

    assert loss_row() == (None, None, None, "insufficient_data")
    registry.asset_report_lost(asset=Asset.objects.get(tag="LC1"), date_lost=today - dt.timedelta(days=3),
                               date_reported=today)
    assert loss_row() == (None, None, None, "insufficient_data")
    registry.asset_report_lost(asset=Asset.objects.get(tag="LC2"), date_lost=today - dt.timedelta(days=4),
                               date_reported=today)
    assert loss_row() == (2, 1, 1, "fail")


@pytest.mark.parametrize("n,holders,pool,actual", [(5, 2, 1, 3), (2, 1, 0, 1), (3, 2, 4, 3), (4, 0, 0, 0)])
def test_personal_kit_is_min_of_officers_and_holders_plus_pool(n, holders, pool, actual):
    facts = _facts(n, n, **{"holders:recorder": holders, "pool:recorder": pool, "asset:recorder": 99})
    f = next(f for f in evaluate(get_standard("jiangsu"), facts) if f.rule == "recorders-per-officer")
    assert (f.required, f.actual) == (n, actual)


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
        data = compliance_report(unit=u[unit], standard_id="jiangsu",
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
    o7_uniform = Asset.objects.get(holder_person=p["O7"], category_id="uniform")
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
    registry.asset_return(asset=o7_uniform, at=days_ago(1))
    small = report(True)
    # RAD-OUT stood in TN 50 days ago, RAD-IN did not.
    assert row(small, "radios-per-officer", "CZ-TN")[1] == row(before, "radios-per-officer", "CZ-TN")[1] + 1
    assert row(small, "return-on-departure", "CZ-TN") == row(before, "return-on-departure", "CZ-TN")
    assert row(small, "return-on-departure", "CZ-TN")[3] == "fail"
    assert small == report(False)
