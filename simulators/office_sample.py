"""The equipment office's recent work in the demo bureau, so each office page has something to show: a month of
fuel, toll and parking costs with odometer readings, recorder shifts signed out and back, a footage inspection, a
disposal request waiting for approval (and, given an administrator, a small one approved) and this year's annual inventory of a squadron of the demo logistics user's
brigade, counted with an item not found.

Everything is written through the services a user's action calls, dated relative to the load day; deterministic for
the sample bureau. The brigade's officers also get size records for the garments they were never issued (the
procurement plan orders those by size). Loaded once (`qm demo` skips it when the database already holds a disposal request)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assets import services as asset_services
from assets.choices import AssetStatus, CategoryCode
from assets.disposals import disposal_approve, disposal_request
from assets.models import Asset, DisposalRequest, ItemType, OrgUnit, Person
from recorders import services as recorder_services
from telematics.choices import CostKind, VehicleStatus
from telematics.models import Vehicle
from telematics.register.services import cost_entry_create, odometer_reading_create
from uniforms import services as uniform_services
from uniforms.selectors import INVENTORY_STATUSES

BRIGADE = "CZ-TN"          # the demo logistics login's scope
SQUADRON = "CZ-TN-01"
SECOND_SQUADRON = "CZ-TN-02"
POOL_RECORDERS = 4         # the squadron's shift pool (记录仪按班次领用)
COST_VEHICLES = 4
FUEL_PRICE = Decimal("7.62")  # yuan per litre of 92# petrol


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _costs(brigade: OrgUnit, today: dt.date) -> int:
    """A month of the use register for the brigade's first vehicles: a refuel every week with the odometer read at
    the pump, a toll on the expressway now and then, parking in town."""
    vehicles = (Vehicle.objects.filter(unit__path__startswith=brigade.path, status=VehicleStatus.IN_SERVICE)
                .order_by("plate")[:COST_VEHICLES])
    entries = 0
    for index, vehicle in enumerate(vehicles):
        km = 18_000 + 7_300 * index
        odometer_reading_create(vehicle=vehicle, read_at=_at(today - dt.timedelta(days=30), 8), km=km,
                                note="月初抄表")
        for week in range(4):
            day = today - dt.timedelta(days=27 - 7 * week - index)
            km += 260 + 35 * ((index + week) % 3)
            litres = Decimal(32 + 4 * ((index + week) % 3))
            cost_entry_create(vehicle=vehicle, date=day, kind=CostKind.FUEL, litres=litres,
                              amount=(litres * FUEL_PRICE).quantize(Decimal("0.01")), fuel_card=f"FC-{index + 1:03d}",
                              odometer_km=km)
            cost_entry_create(vehicle=vehicle, date=day + dt.timedelta(days=1), kind=CostKind.PARKING,
                              amount=Decimal(10 + 5 * (week % 2)), note="市区停车")
            entries += 2
            if week % 2 == index % 2:
                cost_entry_create(vehicle=vehicle, date=day + dt.timedelta(days=2), kind=CostKind.TOLL,
                                  amount=Decimal("35.00"), note="沪蓉高速 常州—无锡")
                entries += 1
    return entries


def _recorder_shifts(squadron: OrgUnit, today: dt.date) -> list[Asset]:
    """The squadron's shift pool: recorders received into stock, signed out to its officers each morning of the
    last three days and back each evening; one is out now (signed out two hours ago)."""
    pool = []
    for n in range(1, POOL_RECORDERS + 1):
        pool.append(asset_services.asset_create(
            tag=f"JLY-POOL-{n:02d}", category=CategoryCode.RECORDER, unit=squadron, item="执法记录仪", model="DSJ-V9",
            serial=f"DSJP{n:06d}", acquired=today - dt.timedelta(days=200), service_years=5,
            price=Decimal("2650.00"), finance_card_no=f"ZC{today.year}-JLY-POOL-{n:02d}",
            at=_at(today - dt.timedelta(days=200), 9)))
    officers = list(Person.objects.filter(unit=squadron, role="officer", status="active").order_by("staff_no")
                    [:POOL_RECORDERS])
    for days_ago in (3, 2, 1):
        day = today - dt.timedelta(days=days_ago)
        for n, (recorder, officer) in enumerate(zip(pool, officers)):
            recorder_services.shift_sign_out(card=officer.staff_no, tag=recorder.tag, at=_at(day, 7, 50 + n))
            recorder_services.shift_sign_in(tag=recorder.tag, at=_at(day, 17, 40 + n))
    if officers:
        recorder_services.shift_sign_out(card=officers[0].staff_no, tag=pool[0].tag,
                                         at=timezone.now() - dt.timedelta(hours=2))
    return pool


def _inspection(brigade: OrgUnit, pool: list[Asset], today: dt.date) -> None:
    recorder_services.footage_inspection_record(
        inspected_on=today - dt.timedelta(days=6), inspector="法制科 陈明、周雪", unit=brigade, recorders=pool[:2],
        items_checked=24, findings="抽查执法案卷24件及对应音视频资料；1件音视频资料未按规定及时存储。",
        follow_up="责成天宁一中队3日内补存，并在中队例会上通报。")


def _disposal(squadron: OrgUnit, today: dt.date) -> None:
    """The squadron's oldest recorder came back from repair beyond economical repair, and its barrier kit is worn
    out: a request to dispose of both, above the single-approval limit (the brigade's logistics officer approves
    first, an administrator second)."""
    acquired = today - dt.timedelta(days=6 * 365)
    worn = asset_services.asset_create(
        tag="JLY-OLD-01", category=CategoryCode.RECORDER, unit=squadron, item="执法记录仪", model="DSJ-V7",
        serial="DSJ00000017", acquired=acquired, service_years=5, price=Decimal("2980.00"),
        finance_card_no=f"ZC{acquired.year}-JLY-OLD-01", at=_at(acquired, 9))
    asset_services.asset_repair_out(asset=worn, at=_at(today - dt.timedelta(days=40), 10), note="屏幕无显示，送厂检修")
    barrier = Asset.objects.filter(unit=squadron, category_id=CategoryCode.PROTECTIVE,
                                   status=AssetStatus.IN_STOCK).order_by("tag").first()
    disposal_request(unit=squadron, assets=[a for a in (worn, barrier) if a is not None],
                     reason="执法记录仪主板损坏，厂家检测无修复价值；警示隔离设备老化破损，不能继续使用。")


# Garments sized like the duty uniform (号型): an officer's size record for them follows the 春秋执勤服 issued.
SIZED_LIKE_DUTY_UNIFORM = ("执勤大衣", "长袖衬衣", "短袖衬衣", "裤子")


def _sizes(brigade: OrgUnit) -> int:
    """The brigade's officers' size records for the garments they were never issued, taken from the duty uniform
    they hold, so the procurement plan orders them by size."""
    item_types = list(ItemType.objects.filter(category_id=CategoryCode.UNIFORM, name__in=SIZED_LIKE_DUTY_UNIFORM))
    held = (Asset.objects.filter(unit__path__startswith=brigade.path, category_id=CategoryCode.UNIFORM,
                                 item="春秋执勤服", status=AssetStatus.ISSUED, holder_person__status="active",
                                 holder_person__role="officer")
            .exclude(size="").select_related("holder_person").order_by("holder_person__staff_no"))
    written = 0
    for asset in held:
        for item_type in item_types:
            uniform_services.officer_size_set(person=asset.holder_person, item_type=item_type, size=asset.size)
            written += 1
    return written


def _approved_disposal(squadron: OrgUnit, approver) -> bool:
    """A small request of the squadron (below the single-approval limit) the administrator approved: the items are
    retired and the request is in the approved-disposals register."""
    worn = Asset.objects.filter(unit=squadron, category_id=CategoryCode.PROTECTIVE,
                                status=AssetStatus.IN_STOCK).order_by("tag").first()
    if worn is None or approver is None:
        return False
    request = disposal_request(unit=squadron, assets=[worn], reason="警示隔离设备被车辆碾压损毁，无法修复。")
    disposal_approve(request=request, user=approver, note="同意报废")
    return True


def _annual_inventory(squadron: OrgUnit, today: dt.date) -> None:
    """This year's count of the squadron: every item on its books scanned but one radio, and closed (the brigade's
    other squadrons are left for the user to plan)."""
    inventory = uniform_services.annual_inventory_plan(unit=squadron, year=today.year)
    stocktake = inventory.stocktakes.filter(unit=squadron).first()
    if stocktake is None:
        return
    on_books = Asset.objects.filter(unit=squadron, status__in=INVENTORY_STATUSES)
    gone = on_books.filter(category_id=CategoryCode.RADIO).order_by("tag").values_list("tag", flat=True).first()
    for tag in on_books.exclude(tag=gone).order_by("tag").values_list("tag", flat=True):
        uniform_services.stocktake_scan(stocktake=stocktake, tag=tag)
    uniform_services.stocktake_close(stocktake=stocktake)


def load_office_sample(*, today: dt.date | None = None, approver=None) -> dict | None:
    """Writes the office's sample work (once); returns what it wrote, or None when it is there already. With an
    administrator login as `approver`, one small disposal is approved too (the register has a row)."""
    if DisposalRequest.objects.exists() or not OrgUnit.objects.filter(code=BRIGADE).exists():
        return None
    today = today or timezone.localdate()
    brigade, squadron = OrgUnit.objects.get(code=BRIGADE), OrgUnit.objects.get(code=SQUADRON)
    with transaction.atomic():
        costs = _costs(brigade, today)
        pool = _recorder_shifts(squadron, today)
        _inspection(brigade, pool, today)
        _disposal(squadron, today)
        approved = _approved_disposal(OrgUnit.objects.get(code=SECOND_SQUADRON), approver)
        _annual_inventory(squadron, today)
        sizes = _sizes(brigade)
    return {"costs": costs, "pool": len(pool), "sizes": sizes, "disposals": 1 + approved}
