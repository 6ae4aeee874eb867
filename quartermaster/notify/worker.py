"""`qm notify`'s loop: fan the outbox out, make the digests and the due scheduled reports, send what is due."""
from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from . import conf, reports, services

logger = logging.getLogger("qm.notify")


def tick() -> dict:
    """One look at everything; each step fails alone (logged) so a broken report does not hold up the alerts."""
    counts: dict = {}
    for name, step in (("alerts", services.alerts_fan_out), ("digests", services.digests_make),
                       ("reports", reports.schedules_run_due), ("deliveries", services.deliveries_send)):
        try:
            counts[name] = step()
        except Exception:
            logger.exception("notify: %s failed; retrying at the next look", name)
            close_old_connections()
    return counts


def run(stop: threading.Event, poll_s: float | None = None) -> None:
    poll_s = conf.get("QM_NOTIFY_POLL_S") if poll_s is None else poll_s
    while not stop.is_set():
        close_old_connections()
        tick()
        stop.wait(poll_s)
