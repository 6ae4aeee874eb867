"""The counter keys facts.py writes per unit and the checks read after the roll-up: one name for each count."""

OFFICERS = "officers"  # active officers (执法人员)
FRONTLINE = "frontline"  # of them, frontline
AUXILIARIES = "auxiliaries"  # active auxiliaries
AUXILIARIES_YEAR_AGO = "auxiliaries_year_ago"
DEPARTED = "departed"  # transferred or retired people
BRIGADES = "brigades"  # brigade units (the team items of protective-equipment are per brigade)

OFFICERS_VALID_CERTIFICATE = "officers_valid_certificate"  # holding a certificate, not lost, unexpired
OFFICERS_FULL_INSIGNIA = "officers_full_insignia"  # holding every insignia item of full-insignia-set
AUXILIARIES_UNIFORMED = "auxiliaries_uniformed"  # holding an unexpired aux_card and an aux_uniform item

VEHICLES = "vehicles"  # counted vehicles (in service, in repair)
SEATS = "seats"
VEHICLES_LIVERY_COMPLIANT = "vehicles_livery_compliant"
VEHICLES_DOSSIER_COMPLETE = "vehicles_dossier_complete"

SEALS = "seals"
SEALS_WITH_CUSTODIAN = "seals_with_custodian"

UNIFORMS_ISSUED = "uniforms_issued"
UNIFORMS_UNKNOWN_LIFE = "uniforms_unknown_life"  # no service life, or no start date: not judged
UNIFORMS_OVERDUE = "uniforms_overdue"

RECORDER_DAYS = "recorder_days"  # recorder-days in use, to be offloaded
RECORDER_DAYS_OFFLOADED = "recorder_days_offloaded"  # … offloaded by the deadline


def asset(category: str) -> str:
    """Owned (counted) items of a category."""
    return f"asset:{category}"


def item(category: str, name: str) -> str:
    """Owned items of a category by item name."""
    return f"item:{category}:{name}"


def holders(category: str) -> str:
    """Active officers holding at least one item of a category (personal kit)."""
    return f"holders:{category}"


def pool(category: str) -> str:
    """Counted items of a category not held by a person (in stock, issued to a unit, in repair)."""
    return f"pool:{category}"

