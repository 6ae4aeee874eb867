"""Who may see notify's rows (assets.access policies, registered when the app is ready): each user's own
subscriptions, robots and messages (the views add the owner filter); the scope path lets administrators read the
delivery log and the report runs of the users in their subtree."""
from assets.access import EVERY_ROLE, Policy

_OWN_ROWS = Policy("user__qm_profile__unit", write=EVERY_ROLE)

POLICIES = {
    "notify.Robot": _OWN_ROWS,
    "notify.Subscription": _OWN_ROWS,
    "notify.Notification": _OWN_ROWS,
    "notify.Delivery": Policy("user__qm_profile__unit", actions={"retry": EVERY_ROLE}),
    "notify.AlertNotice": Policy(None, read=()),  # the outbox, written in the ingest's transaction, read by qm notify
    "notify.DigestRun": Policy(None, read=()),
    "notify.ReportSchedule": Policy("owner__qm_profile__unit", write=EVERY_ROLE),
    "notify.ReportRun": Policy("schedule__owner__qm_profile__unit"),
    "notify.ReportFile": Policy("run__schedule__owner__qm_profile__unit"),
}
