"""Who may see positions, alerts, dock reports and dead letters (assets.access policies, registered when the
tracking app is ready)."""
from django.db.models import Q, QuerySet

from assets.access import AUDITOR, FLEET, LOGISTICS, Policy
from assets.models import Asset
from telematics.models import TerminalBinding, Vehicle

_FLEET = (FLEET,)


def _dead_letters(qs: QuerySet, unit) -> QuerySet:
    """Dead letters of the terminals that are or were bound to a vehicle in the subtree (raw positions)."""
    bindings = TerminalBinding.objects.filter(vehicle__unit__path__startswith=unit.path).values("terminal_id")
    current_ids = Vehicle.objects.filter(unit__path__startswith=unit.path).exclude(terminal_id="").values(
        "terminal_id")
    return qs.filter(Q(terminal__in=bindings) | Q(terminal__in=current_ids))


def _dock_offloads(qs: QuerySet, unit) -> QuerySet:
    """Dock reports of the recorders (by tag) that belong to the subtree."""
    return qs.filter(recorder_tag__in=Asset.objects.filter(unit__path__startswith=unit.path).values("tag"))


POLICIES = {
    "tracking.Position": Policy("vehicle__unit"),
    # Alert cases (telematics/tracking/cases/services.py): the vehicle's unit explains, a fleet manager or an
    # auditor (督察) above it decides.
    "tracking.Alert": Policy("vehicle__unit", write=_FLEET, actions={
        "case_explain": (FLEET, LOGISTICS), "case_return": (FLEET, AUDITOR), "case_confirm": (FLEET, AUDITOR),
        "case_dismiss": (FLEET, AUDITOR), "case_note": (FLEET, LOGISTICS, AUDITOR)}),
    "tracking.AlertCase": Policy("alert__vehicle__unit", write=(FLEET, LOGISTICS, AUDITOR)),
    "tracking.AlertCaseEvent": Policy("case__alert__vehicle__unit", write=(FLEET, LOGISTICS, AUDITOR)),
    "tracking.AlertCaseAttachment": Policy("event__case__alert__vehicle__unit", write=(FLEET, LOGISTICS)),
    "tracking.AlertReview": Policy("alert__vehicle__unit", write=()),  # history of the former review, read only
    "tracking.Leg": Policy("vehicle__unit"),
    "tracking.VehicleDay": Policy("vehicle__unit"),
    "tracking.DockOffload": Policy(_dock_offloads),
    "tracking.DeadLetter": Policy(_dead_letters, read=_FLEET),
    # PIPL art. 28: who viewed which track and why is for the auditors (督察) of the vehicle's unit; legal holds are
    # placed by them or by fleet managers (administrators always may).
    "tracking.TrackAccess": Policy("vehicle__unit", read=(AUDITOR,)),
    "tracking.FixHold": Policy("vehicle__unit", read=(FLEET, AUDITOR), write=(FLEET, AUDITOR)),
    "tracking.RuleCheckpoint": Policy(None, read=()),  # the ingest's own state, written without an actor
}
