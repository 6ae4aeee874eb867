"""One working Saturday (2026-10-10, an adjusted working day: Monday's duty hours apply) of eight vehicles, with
the alerts a correct system raises. Every vehicle reports at least every 5 minutes, so only V7 goes silent."""
from __future__ import annotations

import datetime as dt
import random

from .conftest import DEPOT, KTV, OUTSIDE, RESTAURANT, drive, fix, local, park

DAY = dt.date(2026, 10, 10)
START, END = local(DAY, "07:00"), local(DAY, "11:10")


def _heartbeat(t_from, t_to, at, seed):
    rnd = random.Random(seed)
    d = 8 / 111_320
    return [fix(t, at[0] + rnd.uniform(-d, d), at[1] + rnd.uniform(-d, d), rnd.uniform(0, 2))
            for t in range(int(t_from), int(t_to) + 1, 300)]


def _north(at, metres):
    return (at[0], at[1] + metres / 111_320)


def timeline() -> dict[str, list[dict]]:
    """Per terminal, its fixes in time order."""
    t = {}
    t10 = local(DAY, "10:00")
    # V1: lunch-like stop at the restaurant, 15 minutes -> venue_parking.
    t["T0001"] = (_heartbeat(START, t10 - 60, DEPOT, 1) + drive(t10, DEPOT, RESTAURANT, minutes=4, every_s=20)
                  + park(t10 + 250, RESTAURANT, minutes=15, every_s=30) + drive(t10 + 1200, RESTAURANT, DEPOT, minutes=4,
                                                                                 every_s=20)
                  + _heartbeat(t10 + 1500, END, DEPOT, 11))
    # V2: patrols at 10:00 on the working Saturday -> nothing (on duty).
    t["T0002"] = (_heartbeat(START, t10 - 60, DEPOT, 2) + drive(t10, DEPOT, _north(DEPOT, 3000), minutes=6, every_s=20)
                  + drive(t10 + 370, _north(DEPOT, 3000), DEPOT, minutes=6, every_s=20)
                  + _heartbeat(t10 + 800, END, DEPOT, 12))
    # V3: drives 3 km at 07:05, before duty starts at 08:00 -> off_duty_use.
    t7 = local(DAY, "07:05")
    t["T0003"] = (_heartbeat(START, t7 - 60, DEPOT, 3) + drive(t7, DEPOT, _north(DEPOT, 3000), minutes=6, every_s=20)
                  + _heartbeat(t7 + 400, END, _north(DEPOT, 3000), 13))
    # V4: the same drive, covered by an approved trip 07:00-08:00 -> nothing.
    t["T0004"] = (_heartbeat(START, t7 - 60, DEPOT, 4) + drive(t7, DEPOT, _north(DEPOT, 3000), minutes=6, every_s=20)
                  + _heartbeat(t7 + 400, END, _north(DEPOT, 3000), 14))
    # V5: leaves the jurisdiction at 10:00 and stays 10 minutes, ~2.9 km outside -> out_of_jurisdiction.
    t["T0005"] = (_heartbeat(START, t10 - 60, DEPOT, 5) + drive(t10, DEPOT, OUTSIDE, minutes=8, every_s=20)
                  + park(t10 + 490, OUTSIDE, minutes=10, every_s=30)
                  + drive(t10 + 1100, OUTSIDE, DEPOT, minutes=8, every_s=20) + _heartbeat(t10 + 1600, END, DEPOT, 15))
    # V6: 20 minutes at the KTV with an approved trip whose destination is the KTV -> nothing.
    t["T0006"] = (_heartbeat(START, t10 - 60, DEPOT, 6) + drive(t10, DEPOT, KTV, minutes=5, every_s=20)
                  + park(t10 + 310, KTV, minutes=20, every_s=30) + drive(t10 + 1520, KTV, DEPOT, minutes=5, every_s=20)
                  + _heartbeat(t10 + 1900, END, DEPOT, 16))
    # V7: silent from 08:00 to 09:00 while the others report -> terminal_silent.
    t["T0007"] = _heartbeat(START, local(DAY, "08:00"), DEPOT, 7) + _heartbeat(local(DAY, "09:00"), END, DEPOT, 17)
    # V8: drive-by of the restaurant, then a 6-minute stop there, GPS drift at rest -> nothing.
    t["T0008"] = (_heartbeat(START, t10 - 60, DEPOT, 8)
                  + drive(t10, DEPOT, (RESTAURANT[0] + 0.01, RESTAURANT[1]), minutes=6, every_s=10)
                  + drive(t10 + 370, (RESTAURANT[0] + 0.01, RESTAURANT[1]), RESTAURANT, minutes=2, every_s=10)
                  + park(t10 + 500, RESTAURANT, minutes=6, every_s=30)
                  + drive(t10 + 880, RESTAURANT, DEPOT, minutes=3, every_s=20) + _heartbeat(t10 + 1100, END, DEPOT, 18))
    return t


def trips(vehicles):
    """The approved trips of the scenario (V4's morning drive, V6's visit to the KTV)."""
    from telematics.calendar import invalidate_trips
    from telematics.models import Trip

    Trip.objects.bulk_create([
        Trip(vehicle=vehicles["V4"], start=dt.datetime.fromtimestamp(START, dt.timezone.utc),
             end=dt.datetime.fromtimestamp(local(DAY, "08:00"), dt.timezone.utc), purpose="早班巡查", status="approved",
             approved_by="王科长"),
        Trip(vehicle=vehicles["V6"], start=dt.datetime.fromtimestamp(local(DAY, "09:50"), dt.timezone.utc),
             end=dt.datetime.fromtimestamp(local(DAY, "11:00"), dt.timezone.utc), purpose="娱乐场所检查",
             dest_lat=KTV[1], dest_lon=KTV[0], status="approved", approved_by="王科长"),
    ])
    invalidate_trips()


REORDER_S = 20  # below the rules' reorder window (QM_REORDER_WINDOW_S, 30 s)


def _ts(f: dict) -> float:
    return dt.datetime.fromisoformat(f["ts"]).timestamp()


def messages(*, shuffle_window: int = 0, duplicates: int = 0, arrays: bool = False, seed: int = 1, flush: int = 0):
    """(topic, payload) in event-time order across the fleet; optionally neighbours swapped within a terminal
    (out-of-order), some fixes sent twice, and V2's fixes flushed as arrays of 10; or with `flush` every terminal's
    fixes flushed as arrays of that many, each sent at the time of its last fix."""
    rnd = random.Random(seed)
    per = timeline()
    out = []
    for terminal, fixes in per.items():
        fixes = list(fixes)
        # Each fix is sent in the time slot of its position in the list, so swapping neighbours sends them out of
        # order. Only neighbours at most REORDER_S apart are swapped: within the rules' reorder window.
        slots = [_ts(f) for f in fixes]
        if shuffle_window:
            for i in range(0, len(fixes) - shuffle_window, shuffle_window):
                j = i + rnd.randint(1, shuffle_window - 1)
                if slots[j] - slots[i] <= REORDER_S:
                    fixes[i], fixes[j] = fixes[j], fixes[i]
        topic = f"qm/terminals/{terminal}/position"
        if flush or (arrays and terminal == "T0002"):
            size = flush or 10
            for i in range(0, len(fixes), size):
                chunk = fixes[i:i + size]
                out.append((max(_ts(f) for f in chunk), topic, chunk))
            continue
        for slot, f in zip(slots, fixes):
            out.append((slot, topic, f))
        for f in rnd.sample(fixes, duplicates):
            out.append((_ts(f) + 5, topic, f))
    out.sort(key=lambda row: row[0])
    return [(topic, payload) for _, topic, payload in out]


def out_of_order(msgs) -> int:
    """How many single fixes (not resent duplicates) are sent after a newer fix of the same terminal."""
    newest: dict[str, float] = {}
    seen = set()
    count = 0
    for topic, body in msgs:
        if isinstance(body, dict) and (topic, body["ts"]) not in seen:
            seen.add((topic, body["ts"]))
            count += _ts(body) < newest.get(topic, 0)
            newest[topic] = max(newest.get(topic, 0), _ts(body))
    return count


def expected():
    """Ground truth: (plate, kind, local start HH:MM)."""
    return sorted([("苏D·A0001", "venue_parking", "10:04"), ("苏D·A0003", "off_duty_use", "07:05"),
                   ("苏D·A0005", "out_of_jurisdiction", "10:0"), ("苏D·A0007", "terminal_silent", "08:00")])


def raised():
    from telematics.tracking.models import Alert

    from .conftest import SHANGHAI
    return sorted((a.vehicle.plate, a.kind, a.started_at.astimezone(SHANGHAI).strftime("%H:%M")[:5 if a.kind !=
                   "out_of_jurisdiction" else 4]) for a in Alert.objects.select_related("vehicle"))
