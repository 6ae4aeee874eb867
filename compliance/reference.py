"""The counts of facts.collect computed the plain way: every asset and person read through the ORM and walked in
Python, from the ledger and the person history alone (no current-table shortcut, no SQL of facts.py).

Slow, and meant to be: the tests hold the fast SQL to it on the same data, today and as of past dates, on
PostgreSQL and SQLite. The recorder-days come from recorders.recorder_days (itself the walk through the ledger);
the vehicles from telematics' vehicles_as_of, which both share.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from assets.choices import (
    COUNTED_STATUSES, DEPARTED_STATUSES, AssetStatus, CategoryCode, PersonRole, PersonStatus, UnitKind,
)
from assets.models import Asset, CustodyEvent, OrgUnit, PersonHistory
from assets.selectors import uniform_due_on, uniform_service_years

from . import keys
from .facts import Needs, end_of_day, years_before


def _people(on: dt.date) -> dict[int, PersonHistory]:
    """person -> their history row in force on `on`."""
    found = {}
    for row in PersonHistory.objects.filter(effective__lte=on).order_by("person_id", "effective", "id"):
        found[row.person_id] = row
    return found


def _assets(as_of: dt.date) -> dict[int, dict]:
    """asset -> its state at the end of `as_of`, from its events (status, unit, holder, expires, issued_at)."""
    states: dict[int, dict] = {}
    issued_at: dict[int, dt.datetime] = {}
    for e in CustodyEvent.objects.filter(occurred_at__lt=end_of_day(as_of)).order_by("asset_id", "occurred_at", "id"):
        if e.action == "issue":
            issued_at[e.asset_id] = e.occurred_at
        states[e.asset_id] = {"status": e.status_after, "unit_id": e.unit_after_id,
                              "holder_id": e.holder_person_after_id, "expires": e.expires_after,
                              "issued_at": issued_at.get(e.asset_id) if e.status_after == AssetStatus.ISSUED
                              else None}
    for a in Asset.objects.filter(pk__in=states).values("pk", "tag", "category_id", "item", "acquired",
                                                        "service_years"):
        states[a["pk"]].update(tag=a["tag"], category=a["category_id"], item=a["item"], acquired=a["acquired"],
                               service_years=a["service_years"])
    return states


def counts(root: OrgUnit, as_of: dt.date, needs: Needs) -> dict[int, Counter]:
    """Per unit of `root`'s subtree, its own counters (keys.*) on `as_of`, as facts.collect gives them in
    Facts.own — but for the vehicles' and the recorder-days' (read the same way by both)."""
    units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=root.path)}
    own: dict[int, Counter] = defaultdict(Counter)
    for u in units.values():
        if u.kind == UnitKind.BRIGADE:
            own[u.pk][keys.BRIGADES] += 1
    people = _people(as_of)
    for p in people.values():
        if p.unit_id not in units:
            continue
        c = own[p.unit_id]
        if p.status == PersonStatus.ACTIVE and p.role == PersonRole.OFFICER:
            c[keys.OFFICERS] += 1
            c[keys.FRONTLINE] += int(p.frontline)
        elif p.status == PersonStatus.ACTIVE and p.role == PersonRole.AUXILIARY:
            c[keys.AUXILIARIES] += 1
        elif p.status in DEPARTED_STATUSES:
            c[keys.DEPARTED] += 1
    year_ago = years_before(as_of, 1)
    for p in _people(year_ago).values():
        if p.unit_id in units and p.role == PersonRole.AUXILIARY and p.status == PersonStatus.ACTIVE:
            own[p.unit_id][keys.AUXILIARIES_YEAR_AGO] += 1

    assets = _assets(as_of)
    years = uniform_service_years()
    held: dict[int, list[dict]] = defaultdict(list)
    for a in assets.values():
        if a["status"] == AssetStatus.ISSUED and a["holder_id"]:
            held[a["holder_id"]].append(a)
        if a["unit_id"] not in units or a["status"] not in COUNTED_STATUSES:
            continue
        c = own[a["unit_id"]]
        c[keys.asset(a["category"])] += 1
        if a["category"] in needs.item_categories:
            c[keys.item(a["category"], a["item"])] += 1
        if a["category"] in needs.personal_categories and not a["holder_id"]:
            c[keys.pool(a["category"])] += 1
        if a["category"] == CategoryCode.SEAL:
            c[keys.SEALS] += 1
            holder = people.get(a["holder_id"])
            c[keys.SEALS_WITH_CUSTODIAN] += int(a["status"] == AssetStatus.ISSUED and holder is not None
                                                and holder.status == PersonStatus.ACTIVE)
        if a["category"] == CategoryCode.UNIFORM and a["status"] == AssetStatus.ISSUED:
            c[keys.UNIFORMS_ISSUED] += 1
            due = uniform_due_on(issued_at=a["issued_at"], acquired=a["acquired"], service_years=a["service_years"],
                                 item=a["item"], years_by_item=years)
            if due is None:
                c[keys.UNIFORMS_UNKNOWN_LIFE] += 1
            elif due < as_of:
                c[keys.UNIFORMS_OVERDUE] += 1

    for person_id, p in people.items():
        if p.unit_id not in units or p.status != PersonStatus.ACTIVE:
            continue
        mine, c = held.get(person_id, []), own[p.unit_id]
        if p.role == PersonRole.OFFICER:
            for category in needs.personal_categories:
                c[keys.holders(category)] += int(any(a["category"] == category for a in mine))
            if needs.certificates:
                c[keys.OFFICERS_VALID_CERTIFICATE] += int(any(
                    a["category"] == CategoryCode.CERTIFICATE and a["expires"] and a["expires"] >= as_of
                    for a in mine))
            if needs.insignia_items:
                have = {a["item"] for a in mine if a["category"] == CategoryCode.INSIGNIA}
                c[keys.OFFICERS_FULL_INSIGNIA] += int(all(have & set(names) for names in needs.insignia_items))
        elif p.role == PersonRole.AUXILIARY and needs.auxiliaries_uniformed:
            card = any(a["category"] == CategoryCode.AUX_CARD and a["expires"] and a["expires"] >= as_of
                       for a in mine)
            clothes = any(a["category"] == CategoryCode.AUX_UNIFORM for a in mine)
            c[keys.AUXILIARIES_UNIFORMED] += int(card and clothes)
    return {unit_id: Counter({k: v for k, v in c.items() if v}) for unit_id, c in own.items()}
