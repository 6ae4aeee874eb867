"""The checks a standard's rules name (`check:` in compliance/data/*.yaml), one module each: its parameters
(PARAMS: key, test, what a good value is), what it needs collected (needs, optional), its evaluation
(evaluate: pure, from the rolled-up counts to findings) and its drill-down (evidence: the records behind a row)."""
from . import (
    assets_per_officer, assets_per_unit, auxiliaries_decreasing, auxiliaries_uniformed, certificate_loss_reported,
    frontline_ratio, full_insignia_set, items_per_unit, officers_per_population, personal_kit, protective_items,
    recorder_offload, return_on_departure, seal_custodian, seats_per_officer, uniform_replacement, valid_certificate,
    vehicle_dossier, vehicle_livery,
)

MODULES = {m.__name__.rsplit(".", 1)[1]: m for m in (
    officers_per_population, frontline_ratio, seats_per_officer, assets_per_officer, personal_kit, assets_per_unit,
    protective_items, items_per_unit, vehicle_livery, vehicle_dossier, valid_certificate, full_insignia_set,
    auxiliaries_decreasing, auxiliaries_uniformed, return_on_departure, certificate_loss_reported, seal_custodian,
    uniform_replacement, recorder_offload,
)}
