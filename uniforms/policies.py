"""Who may touch the uniforms app's records (assets.access policies, registered when the app is ready)."""
from django.db.models import Q, QuerySet

from assets.access import LOGISTICS, Policy

_LOG = (LOGISTICS,)


def _receipts(qs: QuerySet, unit) -> QuerySet:
    """A hand-over receipt belongs to the person or the unit it was made out to."""
    return qs.filter(Q(person__unit__path__startswith=unit.path) | Q(unit__path__startswith=unit.path))


POLICIES = {
    "uniforms.Entitlement": Policy(None, write=_LOG, bureau_wide=True),
    "uniforms.OfficerSize": Policy("person__unit", write=_LOG),
    "uniforms.IssueRound": Policy("unit", write=_LOG),
    "uniforms.BadgeNumberRecord": Policy("person__unit", write=_LOG),
    "uniforms.CertificateLossReport": Policy("person__unit", write=_LOG),
    "uniforms.SealHandover": Policy("seal__unit", write=_LOG),
    "uniforms.SealUsage": Policy("seal__unit", write=_LOG),
    "uniforms.Departure": Policy("person__unit", write=_LOG),
    "uniforms.DepartureItem": Policy("departure__person__unit", write=_LOG),
    "uniforms.HandoverReceipt": Policy(_receipts, write=_LOG),
    "uniforms.StoragePlace": Policy("unit", write=_LOG),
    "uniforms.AssetPlace": Policy("asset__unit", write=_LOG),
    "uniforms.Stocktake": Policy("unit", write=_LOG),
    "uniforms.AnnualInventory": Policy("unit", write=_LOG),
    "uniforms.StocktakeScan": Policy("stocktake__unit", write=_LOG, observes=("asset",)),
}

# Rows whose own unit places what refers to them (see assets.access.ANCHORS).
ANCHORS = {"uniforms.StoragePlace": "unit"}
