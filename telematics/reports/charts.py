"""Bar charts drawn on the server as inline SVG (no script, nothing fetched): one bar per label, the value above it,
the axis scaled to a round maximum. Every text goes through Django's escaping."""
from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .selectors import Chart

WIDTH, HEIGHT = 960, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 24, 64


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_svg(chart: Chart) -> str:
    n = len(chart.bars)
    top = chart.top or _nice_max(max((v for _label, v in chart.bars), default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(n, 1)
    bar_w = max(2.0, slot * 0.7)
    parts = [f'<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(chart.title)}">',
             f'<title>{escape(chart.title)}（{escape(chart.unit)}）</title>']
    for k in range(5):
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#374151">'
                     f'{value:g}</text>')
    parts.append(f'<text x="{LEFT}" y="{TOP - 8}" font-size="12" fill="#374151">{escape(chart.unit)}</text>')
    rotate = n > 16
    for i, (label, value) in enumerate(chart.bars):
        h = plot_h * (value / top) if top else 0.0
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = TOP + plot_h - h
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#1d4ed8" '
                     f'data-label="{escape(label)}" data-value="{value:g}"><title>{escape(label)}: {value:g} '
                     f'{escape(chart.unit)}</title></rect>')
        if n <= 31:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10" '
                         f'fill="#111827">{value:g}</text>')
        cx, cy = x + bar_w / 2, TOP + plot_h + 14
        transform = f' transform="rotate(-45 {cx:.1f} {cy:.1f})"' if rotate else ""
        anchor = "end" if rotate else "middle"
        parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="{anchor}" font-size="10" fill="#374151"'
                     f'{transform}>{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#6b7280"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped
