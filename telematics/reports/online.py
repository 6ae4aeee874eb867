"""The online rate (在线率), pure functions over sets of minutes (ints: bit m = minute m of a local day).

A duty minute counts as online when the terminal stored at least one fix in the `window` minutes ending with it
(that minute and the window - 1 before it, across midnight too). A vehicle's rate over a period is its online duty
minutes / its duty minutes, the duty minutes being its unit's duty hours (duty schedule, holidays, adjusted workdays)
that fall in the period; a unit's rate is the same ratio over all its vehicles' minutes."""
from __future__ import annotations

import datetime as dt

MINUTES = 1440
FULL = (1 << MINUTES) - 1


def duty_mask(calendar, unit_id: int, day: dt.date) -> int:
    """The minutes of local day `day` inside the unit's duty windows."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8)))
    mask = 0
    for start, end in calendar.duty_windows(unit_id, day):
        lo = max(0, int((start - midnight).total_seconds() // 60))
        hi = min(MINUTES, int(-(-(end - midnight).total_seconds() // 60)))
        if hi > lo:
            mask |= ((1 << (hi - lo)) - 1) << lo
    return mask


def online_mask(fix_minutes: int, previous_day: int, window: int) -> int:
    """The minutes of a day with a fix in the `window` minutes ending with them; `previous_day` is the day before's
    fix minutes (a fix at 23:58 keeps 00:00.. online)."""
    both = previous_day | (fix_minutes << MINUTES)
    spread = both
    reach = 1
    while reach < window:  # doubling: after it, a fix at m sets m .. m + window - 1
        step = min(reach, window - reach)
        spread |= spread << step
        reach += step
    return (spread >> MINUTES) & FULL


def rate(online: int, duty: int) -> float | None:
    """Percent, one decimal; None without duty minutes."""
    return round(100.0 * online / duty, 1) if duty else None
