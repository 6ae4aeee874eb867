"""Writes of the tracking app: alert episodes from the rules (their cases: cases/services.py), dead letters."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import ConflictError

from .choices import AlertKind, AlertStatus
from .labels import dead_letter_label
from .models import Alert, AlertCaseEvent
from .rules import Action, AlertEvent
from .signals import alerts_raised

UTC = dt.timezone.utc


def _when(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, UTC)


def alert_payload(alert: Alert, *, plate: str | None = None, evidence: bool = True) -> dict:
    """The alert as SPEC lists it (API, `qm alerts --format json`, and `{prefix}/alerts/{kind}`)."""
    data = {
        "id": alert.pk, "kind": alert.kind, "vehicle": plate or alert.vehicle.plate, "vehicle_id": alert.vehicle_id,
        "terminal": alert.terminal,
        "started_at": alert.started_at.isoformat(), "ended_at": alert.ended_at.isoformat() if alert.ended_at else None,
        "lat": alert.lat, "lon": alert.lon, "venue": alert.venue, "venue_category": alert.venue_category,
        "grid_code": alert.grid_code, "place": alert.place, "status": alert.status, "clause": alert.clause, "dwell_s": alert.dwell_s,
        "distance_m": alert.distance_m, "review_reason": alert.review_reason, "part_of": alert.part_of_id,
    }
    if evidence:
        data["evidence"] = alert.evidence
    return data


def _places(events: list[AlertEvent]) -> dict[int, tuple[str, dict]]:
    """id(event) -> (its place label in Chinese, the label's parts), for the events that carry a position."""
    from gis.services import places_at

    if not events:
        return {}
    found = places_at([e.lon for e in events], [e.lat for e in events])
    with translation.override("zh-hans"):
        return {id(e): (p.label(), p.as_dict()) for e, p in zip(events, found, strict=True)}


def alerts_apply(*, events: list[AlertEvent]) -> list[dict]:
    """Applies the rules' alert changes (idempotent: an episode is its (vehicle, kind, started_at)); returns the
    payloads to publish — only alerts that actually changed, so a replay after a restart publishes nothing new."""
    if not events:
        return []
    starts = {_when(e.started_at) for e in events}
    starts.update(_when(e.part_of[1]) for e in events if e.part_of)
    starts.update(_when(ts) for e in events for ts in e.parts)
    existing = {
        (a.vehicle_id, a.kind, a.started_at): a
        for a in Alert.objects.filter(vehicle_id__in={e.vehicle_id for e in events}, started_at__in=starts)
    }
    changed: dict[int, Alert] = {}
    raised: list[Alert] = []
    withdrawn: list[dict] = []
    places = _places([e for e in events if e.lat is not None and e.action != Action.WITHDRAW])
    for e in events:
        key = (e.vehicle_id, e.kind, _when(e.started_at))
        alert = existing.get(key)
        if e.action == Action.WITHDRAW:
            if alert is not None and AlertCaseEvent.objects.filter(case__alert=alert).exists():
                # Someone has already worked on its case, whose history is append-only: the episode is kept,
                # closed and marked withdrawn by the rules, rather than erased with its case.
                alert.status = AlertStatus.CLOSED
                alert.evidence = {**alert.evidence, "withdrawn": True}
                alert.save(update_fields=["status", "evidence", "updated_at"])
                continue
            if alert is not None:
                withdrawn.append({"id": alert.pk, "kind": alert.kind, "vehicle_id": alert.vehicle_id,
                                  "terminal": alert.terminal, "started_at": alert.started_at.isoformat(),
                                  "status": "withdrawn"})
                changed.pop(alert.pk, None)
                alert.delete()
                del existing[key]
            continue
        ended = _when(e.ended_at)
        status = AlertStatus.OPEN if e.action == Action.OPEN else AlertStatus.CLOSED
        if alert is None:
            alert = Alert(vehicle_id=e.vehicle_id, kind=e.kind, started_at=key[2], terminal=e.terminal,
                          clause=e.clause, status=status)
            existing[key] = alert
            raised.append(alert)
        elif alert.ended_at == ended and alert.status == status \
                and not e.parts and (e.part_of is None or alert.part_of_id is not None):
            continue
        alert.status = status
        alert.ended_at = ended
        alert.dwell_s = round(e.dwell_s)
        alert.distance_m = e.distance_m
        place = None
        if e.lat is not None:
            alert.lat, alert.lon, alert.grid_code = e.lat, e.lon, e.grid_code or ""
            place = places.get(id(e))
        if e.venue_id >= 0:
            alert.venue, alert.venue_category = e.venue, e.venue_category
        alert.evidence = {**(alert.evidence or {}), **e.evidence}
        if place is not None:
            alert.place = place[0][:300]
            alert.evidence.update(place=place[0], place_parts=place[1])
        if e.part_of is not None:
            whole = existing.get((e.vehicle_id, e.part_of[0], _when(e.part_of[1])))
            if whole is not None and whole.pk is not None:
                alert.part_of = whole
        alert.save()
        changed[alert.pk] = alert
        for ts in e.parts:  # the stops raised before this journey's alert: part of it
            part = existing.get((e.vehicle_id, AlertKind.VENUE_PARKING, _when(ts)))
            if part is not None and part.pk is not None and part.part_of_id != alert.pk:
                part.part_of = alert
                part.save(update_fields=["part_of", "updated_at"])
                changed[part.pk] = part
    # In this same transaction: notify writes its outbox rows; `qm notify` sends the mails, never the ingest.
    new_ids = [a.pk for a in raised if a.pk is not None]
    if new_ids:
        alerts_raised.send(sender=Alert, alert_ids=new_ids)
    plates = dict(Alert.objects.filter(pk__in=changed).values_list("pk", "vehicle__plate"))
    return [alert_payload(a, plate=plates.get(a.pk)) for a in changed.values()] + withdrawn


@transaction.atomic
def dead_letter_retry(*, letter) -> tuple[bool, str, str]:
    """Sends one dead letter through the ingest's decode, validate, enrich, dedupe and store stages again (after
    its terminal has been bound, or its clock caught up). Stored: the letter is deleted. Dropped again: the
    letter stays exactly as it was (a terminal still unknown keeps reason `unknown_terminal`) and nothing else is
    written. The rules are not run: they belong to the running ingest, which sees each terminal's fixes in order;
    a late fix is a position for the track and the reports, not a new alert. Returns (stored, reason, detail)."""
    from django.conf import settings

    from .choices import RETRIABLE_REASONS
    from .models import DeadLetter

    # The pipeline imports this module (alerts_apply): imported here, where a retry needs it.
    from .pipeline import Batch, Message, Pipeline

    letter = DeadLetter.objects.select_for_update().get(pk=letter.pk)
    if letter.reason not in RETRIABLE_REASONS:
        raise ConflictError(_("%(letter)s：重试无法解决"), field="reason", code="not_retriable",
                            letter=dead_letter_label(letter))
    if letter.truncated:
        raise ConflictError(_("%(letter)s：存储时已被截断，无法重新发送"), field="payload",
                            code="truncated", letter=dead_letter_label(letter))
    pipeline = Pipeline(prefix=settings.QM_TOPIC_PREFIX)
    batch = Batch([Message(letter.topic, letter.payload.encode())])
    for stage in ("decode", "validate", "enrich", "dedupe"):
        getattr(pipeline, stage)(batch)
    if not batch.drops:
        pipeline.store(batch)
    if batch.drops:
        transaction.set_rollback(True)
        drop = batch.drops[0]
        return False, drop.reason, drop.detail
    letter.delete()
    return True, "", ""
