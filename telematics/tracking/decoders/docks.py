"""Recorder docking-station offload reports (`qm/docks/{dock_id}/offload`)."""
from __future__ import annotations

import datetime as dt

from ..choices import DeadLetterReason
from .common import Decoded, DockReport, FieldError, Rejection, load_json, number, require, timestamp


def decode_offload(dock_id: str, payload: bytes) -> Decoded:
    try:
        obj = load_json(payload)
        if not isinstance(obj, dict):
            raise FieldError(DeadLetterReason.INVALID_FIELD, "an offload report is a JSON object")
        recorder = require(obj, "recorder")
        day = require(obj, "recorded_on")
        try:
            recorded_on = dt.date.fromisoformat(str(day))
        except ValueError:
            raise FieldError(DeadLetterReason.INVALID_FIELD, f"field 'recorded_on' is not a date: {day!r}") from None
        files = number(obj, "files", required=False) or 0
        size = number(obj, "bytes", required=False) or 0
        if files < 0 or size < 0:
            raise FieldError(DeadLetterReason.INVALID_FIELD, "files and bytes cannot be negative")
        report = DockReport(dock_id=dock_id, ts=timestamp(require(obj, "ts")), recorder=str(recorder)[:64],
                            recorded_on=recorded_on, files=int(files), bytes=int(size))
    except FieldError as exc:
        return Decoded((), (Rejection(exc.reason, exc.detail, payload, dock_id),))
    return Decoded((report,))
