"""Signals the ingest sends, so apps built on it react without the ingest importing them."""
from django.dispatch import Signal

# Sent inside the ingest's commit transaction after new dock offload reports are stored; kwargs: reports (the new
# DockOffload rows). The recorders app signs a recorder out on a shift back in when its dock reports.
dock_reports_stored = Signal()

# Sent by `services.alerts_apply` inside the transaction that stored new alerts; kwargs: alert_ids (the newly raised
# ones). Notify writes its outbox rows there; a receiver must never wait on the network.
alerts_raised = Signal()
