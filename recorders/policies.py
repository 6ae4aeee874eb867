"""Who may touch the recorders app's records (assets.access policies, registered when the app is ready): checks
and maintenance by logistics; the footage inspection register by 督察 (auditors). Shift sign-outs are custody
movements: the assets.Asset policy (logistics writes) covers them."""
from assets.access import AUDITOR, LOGISTICS, Policy

POLICIES = {
    "recorders.RecorderCheck": Policy("asset__unit", write=(LOGISTICS,)),
    "recorders.FootageInspection": Policy("unit", write=(AUDITOR,)),
}
