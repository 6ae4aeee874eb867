"""The native JSON position contract (SPEC "Telematics contract"): one object or an array of them."""
from __future__ import annotations

from gis.gcj02 import gcj02_to_wgs84

from ..choices import DeadLetterReason
from .common import (
    Decoded,
    FieldError,
    Fix,
    Rejection,
    element_payload,
    load_json,
    number,
    require,
    timestamp,
)

CRS = ("wgs84", "gcj02")
ATTRS_MAX = 2048  # bytes of `attrs` JSON kept with a fix


def _fix(terminal: str, obj) -> Fix:
    if not isinstance(obj, dict):
        raise FieldError(DeadLetterReason.INVALID_FIELD, f"a fix must be a JSON object, not {type(obj).__name__}")
    ts = timestamp(require(obj, "ts"))
    lat = number(obj, "lat", required=True)
    lon = number(obj, "lon", required=True)
    crs = str(obj.get("crs") or "wgs84").lower()
    if crs not in CRS:
        raise FieldError(DeadLetterReason.INVALID_FIELD, f"field 'crs' must be wgs84 or gcj02, not {crs!r}")
    if crs == "gcj02" and -90 <= lat <= 90 and -180 <= lon <= 180:
        lon, lat = gcj02_to_wgs84(lon, lat)
    acc = obj.get("acc")
    seq = obj.get("seq")
    attrs = obj.get("attrs")
    if attrs is not None and (not isinstance(attrs, dict) or len(element_payload(attrs)) > ATTRS_MAX):
        raise FieldError(DeadLetterReason.INVALID_FIELD, f"field 'attrs' must be a JSON object of at most {ATTRS_MAX} bytes")
    return Fix(terminal=terminal, ts=ts, lat=lat, lon=lon, speed=number(obj, "speed", required=False),
               heading=number(obj, "heading", required=False),
               acc=None if acc is None else bool(acc),
               seq=seq if isinstance(seq, int) and not isinstance(seq, bool) and abs(seq) < 2**62 else None,
               crs=crs, attrs=attrs or None)


def decode_position(terminal: str, payload: bytes, *, max_fixes: int = 0) -> Decoded:
    """`qm/terminals/{terminal}/position`: each good element becomes a Fix, each bad one a Rejection; an array of
    more than `max_fixes` elements (when given) is one Rejection, so a huge array cannot flood the dead letters."""
    try:
        data = load_json(payload)
    except FieldError as exc:
        return Decoded((), (Rejection(exc.reason, exc.detail, payload, terminal),))
    if max_fixes > 0 and isinstance(data, list) and len(data) > max_fixes:
        return Decoded((), (Rejection(DeadLetterReason.PAYLOAD_TOO_LARGE,
                                      f"array of {len(data)} fixes, more than QM_ARRAY_MAX_FIXES ({max_fixes})",
                                      payload, terminal),))
    elements = data if isinstance(data, list) else [data]
    fixes, rejections = [], []
    for index, obj in enumerate(elements):
        try:
            fixes.append(_fix(terminal, obj))
        except FieldError as exc:
            where = f" (element {index})" if isinstance(data, list) else ""
            body = payload if not isinstance(data, list) else element_payload(obj)
            rejections.append(Rejection(exc.reason, exc.detail + where, body, terminal))
    if isinstance(data, list) and not data:
        rejections.append(Rejection(DeadLetterReason.MISSING_FIELD, "empty array", payload, terminal))
    return Decoded(tuple(fixes), tuple(rejections))
