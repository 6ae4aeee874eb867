"""Signals of the tracking app for the layers above it, which it must not import."""
from django.dispatch import Signal

# Sent by `services.alerts_apply` inside the transaction that stored new alerts, with `alert_ids`: the newly raised
# ones. A receiver must only write rows in that transaction (notify's outbox), never wait on the network.
alerts_raised = Signal()
