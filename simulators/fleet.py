"""Who is simulated: the registry's vehicles with terminals and its issued recorders grouped into one docking
station per unit, or a synthetic fleet spread over the city's jurisdictions."""
from __future__ import annotations

from .docks import DockSpec
from .terminals import TerminalSpec


def registry_fleet() -> list[TerminalSpec]:
    from telematics.choices import VehicleStatus
    from telematics.models import Vehicle

    vehicles = (Vehicle.objects.exclude(terminal_id__isnull=True).exclude(terminal_id="")
                .exclude(status=VehicleStatus.RETIRED).select_related("unit").order_by("terminal_id"))
    return [TerminalSpec(terminal_id=v.terminal_id, plate=v.plate, unit_path=v.unit.ancestors_codes(),
                         parked=v.status == VehicleStatus.IN_REPAIR) for v in vehicles]


def synthetic_fleet(count: int, unit_codes: list[str]) -> list[TerminalSpec]:
    """T0001..T{count}, dealt round-robin to the units (the jurisdictions' units); no plates."""
    units = sorted(unit_codes)
    return [TerminalSpec(terminal_id=f"T{i:04d}", plate=None, unit_path=[units[(i - 1) % len(units)]])
            for i in range(1, count + 1)]


def registry_docks() -> list[DockSpec]:
    """One docking station per unit holding issued recorders (by the unit the recorder belongs to)."""
    from assets.choices import AssetStatus, CategoryCode
    from assets.models import Asset

    by_unit: dict[str, tuple[list[str], list[str]]] = {}
    recorders = (Asset.objects.filter(category_id=CategoryCode.RECORDER, status=AssetStatus.ISSUED)
                 .select_related("unit").order_by("unit__code", "tag"))
    for asset in recorders:
        entry = by_unit.setdefault(asset.unit.code, (asset.unit.ancestors_codes(), []))
        entry[1].append(asset.tag)
    return [DockSpec(dock_id=f"DOCK-{code}", unit_code=code, unit_path=path, recorders=tags)
            for code, (path, tags) in sorted(by_unit.items())]
