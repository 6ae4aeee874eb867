"""Who may touch the recorders app's records (assets.access policies, registered when the app is ready): checks
and maintenance by logistics; the footage inspection register by 督察 (auditors). Shift sign-outs are custody
movements: the assets.Asset policy (logistics writes) covers them.

Footage (执法音像资料) is read by logistics and auditors only (fleet managers have no business with it); both
classify it, mark it as evidence and file requests; a request is decided by an auditor (view, copy) or an
administrator (delete as well) — recorders.footage checks the second person and the kind. The access log is
written by the services only."""
from assets.access import AUDITOR, LOGISTICS, Policy

_FOOTAGE = (LOGISTICS, AUDITOR)

POLICIES = {
    "recorders.RecorderCheck": Policy("asset__unit", write=(LOGISTICS,)),
    "recorders.FootageInspection": Policy("unit", write=(AUDITOR,)),
    "recorders.FootageRecord": Policy("unit", read=_FOOTAGE, write=_FOOTAGE),
    "recorders.FootageRequest": Policy("record__unit", read=_FOOTAGE, write=_FOOTAGE,
                                       actions={"approve": (AUDITOR,), "refuse": (AUDITOR,)}),
    "recorders.FootageAccessLog": Policy("record__unit", read=_FOOTAGE, write=()),
}
