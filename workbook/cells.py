"""Cell converters: raw XLSX/CSV values to typed values, each refusal a CellError saying what was expected."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

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
            raise CellError(_("应为日期（YYYY-MM-DD），却是日期和时间 %(value)s") % {"value": value.isoformat()})
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
        raise CellError(_("日期“%(value)s”有误：应为 ISO 8601 格式，例如 2026-03-01") % {"value": raw}) from None
    if moment.time() != dt.time(0):
        raise CellError(_("应为日期（YYYY-MM-DD），却是日期和时间 %(value)s") % {"value": raw})
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
            raise CellError(_("日期时间“%(value)s”有误：应为带时刻的 ISO 8601 格式，例如 2026-11-22T08:00") % {
                "value": raw})
        try:
            parsed = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise CellError(_("日期时间“%(value)s”有误：应为 ISO 8601 格式，例如 2026-11-22T08:00+08:00") % {
                "value": raw}) from None
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
        raise CellError(_("时刻“%(value)s”有误：应为 HH:MM，例如 08:00") % {"value": raw})
    return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))


def integer(value: object, *, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("应为整数，却是“%(value)s”") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raw = text(value).replace(",", "")
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise CellError(_("应为整数，却是“%(value)s”") % {"value": text(value)})
        number = int(raw)
    if number < minimum:
        raise CellError(_("至少应为 %(minimum)s，却是 %(value)s") % {"minimum": minimum, "value": number})
    return number


def decimal_degrees(value: object, *, limit: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value if isinstance(value, (int, float)) else text(value))
    except ValueError:
        raise CellError(_("应为十进制度数，却是“%(value)s”") % {"value": text(value)}) from None
    if not -limit <= number <= limit:
        raise CellError(_("%(value)s 超出范围（%(range)s）") % {"value": number, "range": f"-{limit:g}..{limit:g}"})
    return number


def positive_number(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value if isinstance(value, (int, float)) else text(value))
    except ValueError:
        raise CellError(_("应为数字，却是“%(value)s”") % {"value": text(value)}) from None
    if not number > 0 or number == float("inf"):
        raise CellError(_("应为正数，却是 %(value)s") % {"value": text(value)})
    return number


MONEY_LIMIT = Decimal("9999999999.99")  # what Asset.price holds (12 digits, 2 after the point)


def money(value: object) -> Decimal | None:
    """An amount in yuan: a number, or text with thousands separators and an optional ¥ or 元 ("¥1,200.50")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("应为以元计的金额，却是“%(value)s”") % {"value": value})
    if isinstance(value, float) and abs(value - round(value, 2)) < 1e-6:
        value = round(value, 2)  # a spreadsheet's binary float (1234.5599999999) for the amount it shows
    raw = text(value) if not isinstance(value, float) else repr(value)
    cleaned = raw.replace(",", "").replace("，", "").lstrip("¥￥").rstrip("元").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(_("应为以元计的金额，却是“%(value)s”") % {"value": raw}) from None
    if not amount.is_finite():
        raise CellError(_("应为以元计的金额，却是“%(value)s”") % {"value": raw})
    if amount < 0:
        raise CellError(_("金额不能为负数，却是 %(value)s") % {"value": raw})
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(_("最多两位小数（分），却是 %(value)s") % {"value": raw})
    if amount > MONEY_LIMIT:
        raise CellError(_("%(value)s 超过 %(limit)s") % {"value": raw, "limit": MONEY_LIMIT})

    return amount.quantize(Decimal("0.01"))


def yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raw = normalise(text(value))
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise CellError(_("应为是或否（yes/no），却是“%(value)s”") % {"value": text(value)})


def choice(value: object, mapping: dict[str, str], what: str, *, default: str | None = None) -> str:
    raw = text(value)
    if not raw:
        if default is None:
            raise CellError(_("%(what)s为必填项") % {"what": what})
        return default
    found = mapping.get(raw) or mapping.get(normalise(raw))
    if found is None:
        codes = ", ".join(sorted(set(mapping.values())))
        raise CellError(_("未知的%(what)s“%(value)s”，应为以下之一：%(expected)s") % {
            "what": what, "value": raw, "expected": codes})
    return found


def weekdays(value: object) -> str:
    """`1-5`, `1,2,3`, `1-5,7` (ISO weekdays, 1 = Monday) -> "1,2,3,4,5" as the duty schedule stores it."""
    raw = text(value).replace("，", ",").replace("、", ",")
    days: set[int] = set()
    for part in raw.split(","):
        match = _WEEKDAY_PART.match(part.strip())
        if not match:
            raise CellError(_("星期“%(value)s”有误：应为 ISO 星期 1-7（1 = 星期一），例如 1-5 或 1,2,3") % {
                "value": raw})
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise CellError(_("星期“%(value)s”有误：范围 %(first)s-%(last)s 是倒序的") % {
                "value": raw, "first": first, "last": last})

        days.update(range(first, last + 1))
    return ",".join(str(d) for d in sorted(days))
