"""Custody rules of the ledger service, each allowed and refused case, on the real database."""
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from assets import selectors, services
from assets.models import Asset, ChangeRecord, CustodyEvent, PersonHistory
from quartermaster.context import change_context
from quartermaster.errors import ConflictError, DomainError
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db


def _asset(bureau, tag="U-1", category="uniform", unit="CZ-TN-01", **kw):
    return services.asset_create(tag=tag, category=category, unit=bureau["units"][unit], item=kw.pop("item", "春秋执勤服"),
                                 **kw)


def test_receive_then_issue_and_return_derives_state(bureau):
    asset = _asset(bureau)
    assert asset.status == "in_stock"
    services.asset_issue(asset=asset, person=bureau["officer"], receipt_no="R-1")
    asset.refresh_from_db()
    assert (asset.status, asset.holder_person_id) == ("issued", bureau["officer"].pk)
    assert selectors.asset_state_from_ledger(asset)["holder_person_id"] == bureau["officer"].pk
    services.asset_return(asset=asset)
    asset.refresh_from_db()
    assert (asset.status, asset.holder_person_id) == ("in_stock", None)
    assert list(asset.events.values_list("action", flat=True)) == ["receive", "issue", "return"]


def test_double_issue_refused_and_changes_nothing(bureau):
    asset = _asset(bureau, category="radio", item="对讲机")
    services.asset_issue(asset=asset, unit=bureau["units"]["CZ-TN-01"])
    before = CustodyEvent.objects.count()
    with pytest.raises(ConflictError, match="归还后才能再次发放"):
        services.asset_issue(asset=asset, unit=bureau["units"]["CZ-TN-02"])
    assert CustodyEvent.objects.count() == before


def test_person_to_person_handover_refused(bureau):
    other = services.person_create(staff_no="P002", name="王五", unit=bureau["units"]["CZ-TN-01"], role="officer")
    asset = _asset(bureau)
    services.asset_issue(asset=asset, person=bureau["officer"])
    with pytest.raises(ConflictError, match="不得擅自赠送、转借") as err:
        services.asset_issue(asset=asset, person=other)
    assert err.value.code == "person_to_person"
    asset.refresh_from_db()
    assert asset.holder_person_id == bureau["officer"].pk


@pytest.mark.parametrize("category", ["uniform", "insignia", "certificate"])
def test_officer_only_categories_refused_to_auxiliary_and_units(bureau, category):
    asset = _asset(bureau, category=category)
    with pytest.raises(DomainError, match="严禁非城管执法人员穿着"):
        services.asset_issue(asset=asset, person=bureau["auxiliary"])
    with pytest.raises(DomainError, match="只发给执法人员"):
        services.asset_issue(asset=asset, unit=bureau["units"]["CZ-TN-01"])
    asset.refresh_from_db()
    assert asset.status == "in_stock" and asset.events.count() == 1


def test_auxiliary_may_receive_a_radio(bureau):
    asset = _asset(bureau, category="radio", item="对讲机")
    services.asset_issue(asset=asset, person=bureau["auxiliary"])
    asset.refresh_from_db()
    assert asset.holder_person == bureau["auxiliary"]


@pytest.mark.parametrize("status_action", ["retire", "report_lost", "repair_out"])
def test_retired_lost_or_in_repair_items_cannot_be_issued(bureau, status_action):
    asset = _asset(bureau, category="recorder", item="执法记录仪")
    if status_action == "retire":
        services.asset_retire(asset=asset)
    elif status_action == "report_lost":
        services.asset_report_lost(asset=asset, date_lost=dt.date(2026, 1, 1), date_reported=dt.date(2026, 1, 2))
    else:
        services.asset_repair_out(asset=asset)
    with pytest.raises(ConflictError, match="不能发放"):
        services.asset_issue(asset=asset, person=bureau["officer"])


def test_transfer_requires_return_first(bureau):
    asset = _asset(bureau, category="camera", item="摄像机")
    services.asset_issue(asset=asset, person=bureau["officer"])
    with pytest.raises(ConflictError, match="归还后才能调拨"):
        services.asset_transfer(asset=asset, to_unit=bureau["units"]["CZ-WJ"])
    services.asset_return(asset=asset)
    services.asset_transfer(asset=asset, to_unit=bureau["units"]["CZ-WJ"])
    asset.refresh_from_db()
    assert asset.unit.code == "CZ-WJ"


def test_repair_cycle_and_lost_report(bureau):
    asset = _asset(bureau, category="recorder", item="执法记录仪")
    services.asset_repair_out(asset=asset)
    with pytest.raises(ConflictError, match="只有在库装备才能送修"):
        services.asset_repair_out(asset=asset)
    services.asset_repair_in(asset=asset)
    services.asset_issue(asset=asset, person=bureau["officer"])
    event = services.asset_report_lost(asset=asset, date_lost=dt.date(2026, 3, 1), date_reported=dt.date(2026, 3, 5))
    assert event.person == bureau["officer"]
    asset.refresh_from_db()
    assert (asset.status, asset.holder_person) == ("lost", None)
    with pytest.raises(DomainError, match="早于丢失日期"):
        other = _asset(bureau, tag="R-2", category="recorder")
        services.asset_report_lost(asset=other, date_lost=dt.date(2026, 3, 5), date_reported=dt.date(2026, 3, 1))


def test_ledger_is_append_only_in_orm_and_database(bureau):
    asset = _asset(bureau)
    event = asset.events.get()
    with pytest.raises(DomainError, match="只能追加"):
        event.note = "rewritten"
        event.save()
    with pytest.raises(DomainError, match="只能追加"):
        event.delete()
    with pytest.raises(DomainError, match="只能追加"):
        CustodyEvent.objects.filter(pk=event.pk).update(note="x")
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("UPDATE assets_custodyevent SET note = 'x' WHERE id = %s", [event.pk])
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("DELETE FROM assets_custodyevent WHERE id = %s", [event.pk])
    assert CustodyEvent.objects.get(pk=event.pk).note == ""


def test_changes_are_logged_with_actor_and_source(bureau):
    user = make_user("keeper", "logistics")  # an actor acts within a role (assets.access refuses one without)
    with change_context(user=user, source="api"):
        asset = _asset(bureau, tag="U-9")
        services.asset_issue(asset=asset, person=bureau["officer"])
    created = ChangeRecord.objects.get(object_id=str(asset.pk), action="create", content_type__model="asset")
    assert (created.username, created.source, created.after["tag"]) == ("keeper", "api", "U-9")
    event = asset.events.get(action="issue")
    assert (event.username, event.source) == ("keeper", "api")


def test_departure_opens_return_checklist_until_returned(bureau):
    officer = bureau["officer"]
    uniform = _asset(bureau, tag="U-5")
    services.asset_issue(asset=uniform, person=officer)
    assert selectors.person_return_checklist(officer) == []
    officer = services.person_update(person=officer, status="transferred")
    checklist = selectors.person_return_checklist(officer)
    assert [line["tag"] for line in checklist] == ["U-5"]
    services.asset_return(asset=uniform)
    assert selectors.person_return_checklist(officer) == []
    assert PersonHistory.objects.filter(person=officer).values_list("status", flat=True)[::1] == ["active", "transferred"]


def test_unit_move_repaths_subtree_and_refuses_cycles(bureau):
    units = bureau["units"]
    services.unit_update(unit=units["CZ-TN"], parent=units["CZ"])
    units["CZ-TN-01"].refresh_from_db()
    assert units["CZ-TN-01"].path == "/CZ/CZ-TN/CZ-TN-01/"
    with pytest.raises(DomainError, match="不能移到自身或其下级单位"):
        services.unit_update(unit=units["CZ-TN"], parent=units["CZ-TN-01"])


def test_duplicate_tag_and_badge_refused(bureau):
    _asset(bureau, tag="DUP")
    with pytest.raises(ConflictError, match="已存在"):
        _asset(bureau, tag="DUP")
    with pytest.raises(ConflictError, match="已绑定给其他执法人员"):
        services.person_create(staff_no="P9", name="赵六", unit=bureau["units"]["CZ"], badge_no="320401001")
    assert Asset.objects.filter(tag="DUP").count() == 1


def test_asset_holder_constraint_in_database(bureau):
    asset = _asset(bureau, tag="C-1", category="radio")
    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(holder_person=bureau["officer"], holder_unit=bureau["units"]["CZ"])
