"""OwnTracks location messages (`owntracks/{user}/{device}`), accepted as terminal id `{user}/{device}`."""
from __future__ import annotations

from ..choices import DeadLetterReason
from .common import Decoded, FieldError, Fix, Rejection, load_json, number, require, timestamp


def decode_owntracks(user: str, device: str, payload: bytes) -> Decoded:
    terminal = f"{user}/{device}"
    try:
        obj = load_json(payload)
        if not isinstance(obj, dict):
            raise FieldError(DeadLetterReason.INVALID_FIELD, "an OwnTracks message is a JSON object")
        kind = obj.get("_type")
        if kind != "location":
            raise FieldError(DeadLetterReason.UNSUPPORTED, f"OwnTracks _type {kind!r} is not a location")
        fix = Fix(terminal=terminal, ts=timestamp(require(obj, "tst"), "tst"), lat=number(obj, "lat", required=True),
                  lon=number(obj, "lon", required=True), speed=number(obj, "vel", required=False),
                  heading=number(obj, "cog", required=False))
    except FieldError as exc:
        return Decoded((), (Rejection(exc.reason, exc.detail, payload, terminal),))
    return Decoded((fix,))
