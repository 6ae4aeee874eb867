"""Terminal -> vehicle lookups for the ingest: a snapshot of the registry reloaded every QM_REGISTRY_REFRESH_S,
and asked again when an unknown terminal reports (once per batch for the ingest; at most every few seconds
per terminal for single lookups)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from telematics.models import Vehicle

from . import conf

_MISS_RETRY_S = 2.0


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    vehicle_id: int
    plate: str
    unit_id: int
    unit_code: str


class Registry:
    def __init__(self):
        self._by_terminal: dict[str, VehicleInfo] = {}
        self._loaded_at = -1e18
        self._misses: dict[str, float] = {}

    def _rows(self, **filters):
        return Vehicle.objects.filter(terminal_id__isnull=False, **filters).values_list(
            "terminal_id", "pk", "plate", "unit_id", "unit__code")

    def refresh(self) -> None:
        self._by_terminal = {t: VehicleInfo(pk, plate, unit_id, code) for t, pk, plate, unit_id, code in self._rows()}
        self._loaded_at = time.monotonic()
        self._misses.clear()

    def terminals(self) -> list[str]:
        return list(self._by_terminal)

    def lookup(self, terminal: str) -> VehicleInfo | None:
        now = time.monotonic()
        if now - self._loaded_at >= conf.get("QM_REGISTRY_REFRESH_S"):
            self.refresh()
        info = self._by_terminal.get(terminal)
        if info is None and now - self._misses.get(terminal, -1e18) >= _MISS_RETRY_S:
            self._misses[terminal] = now
            row = self._rows(terminal_id=terminal).first()
            if row:
                info = self._by_terminal[terminal] = VehicleInfo(row[1], row[2], row[3], row[4])
        return info

    def lookup_many(self, terminals: set[str]) -> dict[str, VehicleInfo]:
        """The batch's terminals at once: those not in the snapshot are asked for in one query (a terminal
        registered a moment ago, e.g. before `qm deadletters --retry`, is found at once)."""
        if time.monotonic() - self._loaded_at >= conf.get("QM_REGISTRY_REFRESH_S"):
            self.refresh()
        found = {t: self._by_terminal[t] for t in terminals if t in self._by_terminal}
        missing = terminals - found.keys()
        if missing:
            for terminal, pk, plate, unit_id, code in self._rows(terminal_id__in=missing):
                found[terminal] = self._by_terminal[terminal] = VehicleInfo(pk, plate, unit_id, code)
        return found
