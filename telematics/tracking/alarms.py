"""Alerts from a terminal's own alarm word (JT/T 808, carried in `Fix.attrs["alarm"]`): main power cut (bit 8)
and GNSS antenna cut or shorted (bits 5, 6) — how a terminal is disabled to hide private use. One episode per
vehicle and kind, from the first stored fix with the bit to the first without it; a `terminal_silent` the rules
open while such an episode is open carries it in its evidence (`explained_by`).

The other alarm bits (overspeed, fatigue, illegal ignition, illegal movement …) raise nothing here: they are kept
with each fix (`Position.attrs`). Kept apart from rules.py: these episodes follow the terminal's own word, in the
order fixes are stored, and need none of the rules' state; open episodes are found again in the alerts table after
a restart.
"""
from __future__ import annotations

import datetime as dt

from .choices import AlertKind, AlertStatus
from .decoders.jt808 import ALARM_BITS
from .rules import AlertEvent

ALARM_MASKS = {
    AlertKind.TERMINAL_POWER_CUT: 1 << 8,
    AlertKind.TERMINAL_ANTENNA_CUT: (1 << 5) | (1 << 6),
}


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


def alarm_names(word: int) -> list[str]:
    return [name for bit, name in ALARM_BITS.items() if word >> bit & 1]


class TerminalAlarms:
    def __init__(self):
        # vehicle_id -> {kind: (started_ts, terminal)} for the vehicles whose open episodes have been loaded
        self.open: dict[int, dict[str, tuple[float, str]]] = {}

    def _load(self, vehicle_ids: set[int]) -> None:
        from .models import Alert

        missing = vehicle_ids - self.open.keys()
        if not missing:
            return
        for vehicle_id in missing:
            self.open[vehicle_id] = {}
        rows = Alert.objects.filter(vehicle_id__in=missing, kind__in=list(ALARM_MASKS), status=AlertStatus.OPEN)
        for vehicle_id, kind, started, terminal in rows.values_list("vehicle_id", "kind", "started_at", "terminal"):
            self.open[vehicle_id][kind] = (started.timestamp(), terminal)

    def events(self, items, rule_events: list[AlertEvent]) -> list[AlertEvent]:
        """`items`: the batch's stored fixes (pipeline Items, in storage order). Returns the alarm episodes' events
        and adds `explained_by` to the rules' terminal_silent openings it can explain."""
        with_word = [i for i in items if i.fix.attrs and isinstance(i.fix.attrs.get("alarm"), int)]
        self._load({i.info.vehicle_id for i in with_word})
        out: list[AlertEvent] = []
        for item in items:
            episodes = self.open.get(item.info.vehicle_id)
            if episodes is None:
                continue  # a vehicle that never sent an alarm word
            fix, point = item.fix, item.point
            word = fix.attrs.get("alarm", 0) if fix.attrs else 0
            word = word if isinstance(word, int) else 0
            ts = point.ts
            for kind, mask in ALARM_MASKS.items():
                if word & mask and kind not in episodes:
                    episodes[kind] = (ts, fix.terminal)
                    out.append(AlertEvent("open", kind, item.info.vehicle_id, fix.terminal, ts, lat=fix.lat,
                                          lon=fix.lon, grid_code=point.grid_code,
                                          evidence={"start": _iso(ts), "end": None, "alarm": word,
                                                    "alarms": alarm_names(word)}))
                elif not word & mask and kind in episodes:
                    started, terminal = episodes.pop(kind)
                    out.append(AlertEvent("close", kind, item.info.vehicle_id, terminal, started, ended_at=ts,
                                          dwell_s=ts - started, evidence={"end": _iso(ts), "cleared_alarm": word}))
        for event in rule_events:
            if event.kind == AlertKind.TERMINAL_SILENT and event.action == "open":
                causes = self.open.get(event.vehicle_id) or {}
                if causes:
                    event.evidence["explained_by"] = [{"kind": str(kind), "started_at": _iso(started)}
                                                      for kind, (started, _) in sorted(causes.items())]
        return out
