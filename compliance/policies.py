"""Who may touch saved compliance reports (an assets.access policy, registered when the app is ready)."""
from assets.access import AUDITOR, Policy

POLICIES = {
    "compliance.ComplianceSnapshot": Policy("unit", write=(AUDITOR,)),
}
