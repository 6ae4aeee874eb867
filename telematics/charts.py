"""Charts drawn on the server as inline SVG (no script, no CDN): a vehicle's daily mileage as bars."""
from __future__ import annotations

import datetime as dt
import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def _nice_top(value: float) -> float:
    """The axis' top: 1, 2 or 5 times a power of ten, at least `value` (10 km for an idle vehicle)."""
    if value <= 0:
        return 10.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def mileage_svg(days: list[tuple[dt.date, float]], *, width: int = 900, height: int = 220) -> SafeString:
    """One bar per day (km), a y axis with five ticks, a date under every week's bar; each bar's title says its
    day and km (shown on hover). Every text escaped."""
    left, right, top, bottom = 48, 10, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_top(max((km for _, km in days), default=0.0))
    n = max(len(days), 1)
    slot = plot_w / n
    bar = max(1.0, slot * 0.75)
    unit, title = _("公里"), _("每日里程")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="mileage-chart" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafcff" stroke="#ccd"/>']
    for i in range(6):
        value = peak * i / 5
        y = top + plot_h - plot_h * i / 5
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e3e6ee"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#555">'
                     f'{value:g}</text>')
    parts.append(f'<text x="4" y="{top + 8}" font-size="11" fill="#555">{escape(unit)}</text>')
    step = 7 if len(days) > 14 else 1
    for i, (day, km) in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        h = plot_h * min(km, peak) / peak
        label = escape(f"{day:%Y-%m-%d} {km:.1f} {unit}")
        parts.append(f'<rect class="day" data-day="{day:%Y-%m-%d}" data-km="{km:.1f}" x="{x:.1f}" '
                     f'y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#2f6db5">'
                     f'<title>{label}</title></rect>')
        if (len(days) - 1 - i) % step == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
                         f'text-anchor="middle" fill="#555">{day:%m-%d}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built above from numbers, dates and escaped text only
