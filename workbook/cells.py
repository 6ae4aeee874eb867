"""Cell converters: raw XLSX/CSV values to typed values, each refusal a CellError saying what was expected."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .errors import CellError
from .schema import NO, YES, normalise

SHANGHAI = ZoneInfo("Asia/Shanghai")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_WEEKDAY_PART = re.compile(r"^([1-7])(?:\s*-\s*([1-7]))?$")


def text(value: object) -> str:
    """Any cell as text; Excel's numbers stay as written (a staff number 10023 is "10023", not "10023.0")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


def date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"expected a date (YYYY-MM-DD), got a date and time {value.isoformat()}")
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CellError(f"bad date {raw!r}: expected ISO 8601, e.g. 2026-03-01") from None
    if moment.time() != dt.time(0):
        raise CellError(f"expected a date (YYYY-MM-DD), got a date and time {raw!r}")
    return moment.date()


def moment(value: object) -> dt.datetime | None:
    """A date and time; without an offset it is Asia/Shanghai local time."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        raw = text(value)
        if len(raw) <= 10:  # a bare date leaves the time of day unknown
            raise CellError(f"bad date and time {raw!r}: expected ISO 8601 with a time, e.g. 2026-11-22T08:00")
        try:
            parsed = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise CellError(f"bad date and time {raw!r}: expected ISO 8601, e.g. 2026-11-22T08:00+08:00") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed


def time_of_day(value: object) -> dt.time | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, float) and 0 <= value < 1:  # Excel keeps times as a fraction of a day
        seconds = round(value * 86400)
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    raw = text(value)
    match = _TIME.match(raw)
    if not match or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        raise CellError(f"bad time {raw!r}: expected HH:MM, e.g. 08:00")
    return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))


def integer(value: object, *, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raw = text(value).replace(",", "")
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise CellError(f"expected a whole number, got {text(value)!r}")
        number = int(raw)
    if number < minimum:
        raise CellError(f"must be at least {minimum}, got {number}")
    return number


def decimal_degrees(value: object, *, limit: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value if isinstance(value, (int, float)) else text(value))
    except ValueError:
        raise CellError(f"expected a number in decimal degrees, got {text(value)!r}") from None
    if not -limit <= number <= limit:
        raise CellError(f"{number} is out of range (-{limit:g}..{limit:g})")
    return number


def positive_number(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value if isinstance(value, (int, float)) else text(value))
    except ValueError:
        raise CellError(f"expected a number, got {text(value)!r}") from None
    if not number > 0 or number == float("inf"):
        raise CellError(f"must be a positive number, got {text(value)}")
    return number


MONEY_LIMIT = Decimal("9999999999.99")  # what Asset.price holds (12 digits, 2 after the point)


def money(value: object) -> Decimal | None:
    """An amount in yuan: a number, or text with thousands separators and an optional ¥ or 元 ("¥1,200.50")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(f"expected an amount in yuan, got {value!r}")
    if isinstance(value, float) and abs(value - round(value, 2)) < 1e-6:
        value = round(value, 2)  # a spreadsheet's binary float (1234.5599999999) for the amount it shows
    raw = text(value) if not isinstance(value, float) else repr(value)
    cleaned = raw.replace(",", "").replace("，", "").lstrip("¥￥").rstrip("元").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"expected an amount in yuan, got {raw!r}") from None
    if not amount.is_finite():
        raise CellError(f"expected an amount in yuan, got {raw!r}")
    if amount < 0:
        raise CellError(f"an amount may not be negative, got {raw}")
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(f"at most two decimal places (fen), got {raw}")
    if amount > MONEY_LIMIT:
        raise CellError(f"{raw} is larger than {MONEY_LIMIT}")
    return amount.quantize(Decimal("0.01"))


def yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raw = normalise(text(value))
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise CellError(f"expected yes or no (是/否), got {text(value)!r}")


def choice(value: object, mapping: dict[str, str], what: str, *, default: str | None = None) -> str:
    raw = text(value)
    if not raw:
        if default is None:
            raise CellError(f"{what} is required")
        return default
    found = mapping.get(raw) or mapping.get(normalise(raw))
    if found is None:
        codes = ", ".join(sorted(set(mapping.values())))
        raise CellError(f"unknown {what} {raw!r}; expected one of {codes}")
    return found


def weekdays(value: object) -> str:
    """`1-5`, `1,2,3`, `1-5,7` (ISO weekdays, 1 = Monday) -> "1,2,3,4,5" as the duty schedule stores it."""
    raw = text(value).replace("，", ",").replace("、", ",")
    days: set[int] = set()
    for part in raw.split(","):
        match = _WEEKDAY_PART.match(part.strip())
        if not match:
            raise CellError(f"bad weekday spec {raw!r}: expected ISO weekdays 1-7 (1 = Monday), e.g. 1-5 or 1,2,3")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise CellError(f"bad weekday spec {raw!r}: range {first}-{last} runs backwards")
        days.update(range(first, last + 1))
    return ",".join(str(d) for d in sorted(days))
