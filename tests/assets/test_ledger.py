"""The custody ledger's one writer (assets.ledger): its rules as a table, its bulk append, and who calls it."""
import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from assets import ledger, services
from assets.choices import AssetStatus, CustodyAction
from assets.models import Asset, Category, CustodyEvent
from quartermaster.errors import DomainError
from tests.workbook.test_workbook import base, run_import, write
from uniforms import services as uniform_services
from uniforms.models import Entitlement
from uniforms.services import handover_check

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def _in_status(bureau, status: str, action: str | None = None) -> Asset:
    """A radio (any recipient may hold one; pooled kit too) brought to `status` through the services; issued for a
    shift when the movement to try is the shift's end."""
    units = bureau["units"]
    asset = services.asset_create(tag=f"R-{status}", category="radio", unit=units["CZ-TN-01"], item="对讲机")
    if status == AssetStatus.ISSUED and action == CustodyAction.SHIFT_IN:
        services.asset_shift_out(asset=asset, person=bureau["officer"])
    elif status == AssetStatus.ISSUED:
        services.asset_issue(asset=asset, person=bureau["officer"])
    elif status == AssetStatus.IN_REPAIR:
        services.asset_repair_out(asset=asset)
    elif status == AssetStatus.LOST:
        services.asset_report_lost(asset=asset, date_lost=timezone.localdate())
    elif status == AssetStatus.RETIRED:
        services.asset_retire(asset=asset)
    return Asset.objects.get(pk=asset.pk)


def _call(bureau, action: str, asset: Asset):
    kwargs = {
        CustodyAction.ISSUE: {"unit": bureau["units"]["CZ-TN-02"]},
        CustodyAction.TRANSFER: {"to_unit": bureau["units"]["CZ-TN-02"]},
        CustodyAction.REPORT_LOST: {"date_lost": timezone.localdate()},
        CustodyAction.SHIFT_OUT: {"person": bureau["officer"]},
    }.get(action, {})
    return services.CUSTODY_SERVICES[action](asset=asset, **kwargs)


def _row(asset: Asset) -> tuple:
    asset = Asset.objects.get(pk=asset.pk)
    return asset.status, asset.unit_id, asset.holder_person_id, asset.holder_unit_id, asset.events.count()


@pytest.mark.parametrize("status", AssetStatus.values)
@pytest.mark.parametrize("action", [a for a in CustodyAction.values
                                    if a not in (CustodyAction.RECEIVE, CustodyAction.RENEW)])  # renew: below
def test_every_movement_from_every_status_follows_the_table(bureau, action, status):
    """Each service allows a movement exactly when the ledger's table says it may follow the status; a refused
    move keeps its code and changes nothing."""
    asset = _in_status(bureau, status, action)
    before = _row(asset)
    if status in ledger.FOLLOWS[action]:
        event = _call(bureau, action, asset)
        assert event.status_after == (ledger.STATUS_AFTER[action] or status)
        assert _row(asset)[0] == event.status_after and _row(asset)[4] == before[4] + 1
    else:
        with pytest.raises(DomainError) as refused:
            _call(bureau, action, asset)
        assert refused.value.code != "invalid"
        assert _row(asset) == before


def test_a_renewal_keeps_the_holder_and_dates_the_new_expiry(bureau):
    """A certificate's expiry changes by a dated `renew` event: holder and status stay, the event carries the new
    date and the one before keeps the old; a retired certificate is not renewed; a radio has no expiry."""
    units, officer = bureau["units"], bureau["officer"]
    cert = services.asset_create(tag="JS-R", category="certificate", unit=units["CZ-TN-01"],
                                 expires=dt.date(2027, 1, 1))
    services.asset_issue(asset=cert, person=officer)
    event = services.asset_renew(asset=cert, expires=dt.date(2031, 1, 1))
    cert = Asset.objects.get(pk=cert.pk)
    assert (cert.status, cert.holder_person, cert.expires) == ("issued", officer, dt.date(2031, 1, 1))
    assert (event.action, event.status_after, event.holder_person_after_id, event.expires_after) == (
        "renew", "issued", officer.pk, dt.date(2031, 1, 1))
    issue = CustodyEvent.objects.get(asset=cert, action="issue")
    assert issue.expires_after == dt.date(2027, 1, 1) and cert.issued_at == issue.occurred_at
    services.asset_return(asset=cert)
    services.asset_retire(asset=cert)
    with pytest.raises(DomainError) as refused:
        services.asset_renew(asset=cert, expires=dt.date(2035, 1, 1))
    assert refused.value.code == "renew_retired"
    radio = services.asset_create(tag="R-X", category="radio", unit=units["CZ-TN-01"])
    with pytest.raises(DomainError, match="只有执法证件和工作证才有有效期"):
        services.asset_renew(asset=radio, expires=dt.date(2035, 1, 1))


@pytest.fixture
def aux_categories(db):
    """The auxiliaries' own categories (SPEC "Asset categories"), whether or not a migration seeded them yet."""
    for code, name in (("aux_uniform", "协管人员服装"), ("aux_card", "协管人员工作证")):
        Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": code})


@pytest.mark.parametrize("category", ["aux_uniform", "aux_card"])
def test_auxiliary_categories_go_to_auxiliaries_only(bureau, aux_categories, category):
    asset = services.asset_create(tag="AUX-1", category=category, unit=bureau["units"]["CZ-TN-01"], item="工作证")
    before = _row(asset)
    with pytest.raises(DomainError, match="只发给协管人员") as refused:
        services.asset_issue(asset=asset, person=bureau["officer"])
    assert refused.value.code == "auxiliary_only"
    with pytest.raises(DomainError, match="不发给单位") as refused:
        services.asset_issue(asset=asset, unit=bureau["units"]["CZ-TN-01"])
    assert refused.value.code == "auxiliary_only"
    assert _row(asset) == before
    line = handover_check(mode="issue", tag="AUX-1", person=bureau["officer"])
    assert (line["ok"], line["code"]) == (False, "auxiliary_only")
    event = services.asset_issue(asset=asset, person=bureau["auxiliary"])
    assert (event.holder_person_after_id, _row(asset)[0]) == (bureau["auxiliary"].pk, "issued")


def test_append_refuses_a_movement_out_of_sequence_and_writes_nothing(bureau):
    asset = _in_status(bureau, AssetStatus.RETIRED)
    events = CustodyEvent.objects.count()
    moves = [ledger.move(asset.pk, CustodyAction.REPAIR_IN, at=timezone.now())]
    with pytest.raises(DomainError, match="状态为报废时不能修回") as refused:
        ledger.append(moves, before={asset.pk: ledger.Before.of(asset)})
    assert refused.value.code == "invalid_transition"
    # Within one batch too: a second issue without a return between them.
    stock = _in_status(bureau, AssetStatus.IN_STOCK)
    unit = bureau["units"]["CZ-TN-01"].pk
    twice = [ledger.move(stock.pk, CustodyAction.ISSUE, at=timezone.now(), unit_id=unit) for _ in range(2)]
    with pytest.raises(DomainError, match="状态为已发放时不能发放"):
        ledger.append(twice, before={stock.pk: ledger.Before.of(stock)})
    assert CustodyEvent.objects.count() == events + 1  # only the stock radio's receipt
    assert _row(stock)[0] == AssetStatus.IN_STOCK


def test_append_refuses_back_dating_for_the_whole_batch(bureau):
    early = _in_status(bureau, AssetStatus.IN_STOCK)
    later = services.asset_create(tag="R-later", category="radio", unit=bureau["units"]["CZ-TN-01"],
                                  at=timezone.now() + dt.timedelta(hours=2))
    events = CustodyEvent.objects.count()
    moment = timezone.now() + dt.timedelta(hours=1)
    moves = [ledger.move(a.pk, CustodyAction.REPAIR_OUT, at=moment) for a in (early, later)]
    with pytest.raises(DomainError, match="台账不能倒填日期") as refused:
        ledger.append(moves, before={a.pk: ledger.Before.of(a) for a in (early, later)})
    assert refused.value.code == "backdated" and "R-later" in refused.value.message
    assert CustodyEvent.objects.count() == events
    assert _row(early)[0] == AssetStatus.IN_STOCK


def test_append_derives_the_state_and_projects_it_onto_the_asset(bureau):
    asset = _in_status(bureau, AssetStatus.IN_STOCK)
    person = bureau["officer"]
    moves = [ledger.move(asset.pk, CustodyAction.ISSUE, at=timezone.now(), person_id=person.pk),
             ledger.move(asset.pk, CustodyAction.RETURN, at=timezone.now(), person_id=person.pk),
             ledger.move(asset.pk, CustodyAction.TRANSFER, at=timezone.now(), unit_id=bureau["units"]["CZ-WJ"].pk)]
    rows = ledger.append(moves, before={asset.pk: ledger.Before.of(asset)})
    assert [(r["status_after"], r["holder_person_after_id"]) for r in rows] == [
        ("issued", person.pk), ("in_stock", None), ("in_stock", None)]
    assert _row(asset)[:4] == ("in_stock", bureau["units"]["CZ-WJ"].pk, None, None)


def test_every_writer_appends_through_the_ledger(bureau, tmp_path, monkeypatch):
    calls = []
    real = ledger.append

    def spy(moves, **kwargs):
        calls.append((len(moves), kwargs.get("as_recorded", False)))
        return real(moves, **kwargs)

    monkeypatch.setattr(ledger, "append", spy)
    services.asset_create(tag="S-1", category="radio", unit=bureau["units"]["CZ-TN-01"])
    assert calls == [(1, False)]
    # The seasonal round: one append for all its movements.
    Entitlement.objects.exclude(item_type__code="short_sleeve_shirt").update(active=False)
    shirt = Entitlement.objects.get(item_type__code="short_sleeve_shirt").item_type
    uniform_services.officer_size_set(person=bureau["officer"], item_type=shirt, size="170")
    for i in range(3):
        services.asset_create(tag=f"S170-{i}", category="uniform", unit=bureau["units"]["CZ-TN"], item="短袖衬衣",
                              size="170")
    calls.clear()
    issued = uniform_services.issue_round_run(unit=bureau["units"]["CZ-TN"], season="summer").issued_count
    assert issued > 0 and calls == [(issued, False)]
    # The import: as recorded (SPEC: the custody refusals apply to new movements, not the recorded past).
    calls.clear()
    run_import(write(tmp_path / "book", {"units": base()["units"], "personnel": base()["personnel"],
                                         "assets": base()["assets"]}))
    assert calls and all(as_recorded for _n, as_recorded in calls)


WRITES = re.compile(r"(?<!class )CustodyEvent\s*\("
                    r"|CustodyEvent\.objects\.(create|bulk_create|get_or_create|update_or_create)"
                    r"|(insert_rows|_insert)\(\s*CustodyEvent")


def test_no_module_but_the_ledger_writes_custody_events():
    """The ledger has one writer: no product module builds or inserts CustodyEvent rows itself."""
    writers = []
    for folder in ("assets", "uniforms", "recorders", "compliance", "workbook", "telematics", "gis", "api", "quartermaster",
                   "simulators"):
        for path in (REPO / folder).rglob("*.py"):
            if "migrations" in path.parts or path == REPO / "assets" / "ledger.py":
                continue
            if WRITES.search(path.read_text(encoding="utf-8")):
                writers.append(str(path.relative_to(REPO)))
    assert writers == []
