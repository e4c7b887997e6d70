"""Inline SVG charts for the back-office home page, rendered on the server.

No JavaScript and no CDN: each chart is an `<svg>` with a `viewBox`, so it scales
to the width of a laptop or a phone, and every bar carries a `<title>` tooltip.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 30
AXIS_COLOR, GRID_COLOR, TEXT_COLOR = "#94a3b8", "#e2e8f0", "#475569"


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    color: str
    values: Sequence[int]


def thousands(value: int) -> str:
    """15000 -> "15 000" (a thin space keeps the groups together)."""
    return f"{value:,}".replace(",", "\u202f")


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 x 10^k at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def _n(value: float) -> str:
    return f"{value:.1f}"


def _grid(top: int) -> SafeString:
    plot_h = HEIGHT - TOP - BOTTOM
    lines = []
    # A half-way line only where its label is a whole number.
    for fraction in (0, 0.5, 1) if top % 2 == 0 else (0, 1):
        y = _n(TOP + plot_h * (1 - fraction))
        lines.append(
            (
                LEFT,
                y,
                WIDTH - RIGHT,
                y,
                GRID_COLOR if fraction else AXIS_COLOR,
                LEFT - 6,
                _n(TOP + plot_h * (1 - fraction) + 4),
                TEXT_COLOR,
                thousands(round(top * fraction)),
            )
        )
    return format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
        lines,
    )


def _day_labels(days: Sequence[dt.date], slot: float) -> SafeString:
    last = len(days) - 1
    picked = [
        (
            _n(LEFT + slot * (index + 0.5)),
            HEIGHT - 10,
            TEXT_COLOR,
            day.strftime("%d.%m"),
        )
        for index, day in enumerate(days)
        if (last - index) % 5 == 0
    ]
    return format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
        picked,
    )


def daily_bar_chart(
    *, title: str, days: Sequence[dt.date], series: Sequence[Series], css_id: str
) -> SafeString:
    """Grouped bars: one group per day, one bar per series, a shared y axis."""
    peak = max((v for s in series for v in s.values), default=0)
    top = nice_ceiling(peak)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    bars = []
    for s_index, s in enumerate(series):
        for d_index, (day, value) in enumerate(zip(days, s.values, strict=True)):
            height = plot_h * value / top
            x = LEFT + slot * d_index + slot * 0.1 + bar_w * s_index
            bars.append(
                (
                    s.label,
                    _n(x),
                    _n(TOP + plot_h - height),
                    _n(bar_w),
                    _n(height),
                    s.color,
                    f"{day:%d.%m.%Y} · {s.label}: {thousands(value)}",
                )
            )
    body = format_html_join(
        "",
        '<rect class="bar" data-series="{}" x="{}" y="{}" width="{}" '
        'height="{}" fill="{}"><title>{}</title></rect>',
        bars,
    )
    return format_html(
        '<svg id="{}" class="sardoba-chart" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" preserveAspectRatio="xMidYMid meet">'
        "<title>{}</title>{}{}{}</svg>",
        css_id,
        WIDTH,
        HEIGHT,
        title,
        title,
        _grid(top),
        body,
        _day_labels(days, slot),
    )


def horizontal_bar_chart(
    *, title: str, items: Sequence[tuple[str, int, str]], css_id: str
) -> SafeString:
    """One labelled horizontal bar per (label, value, colour)."""
    row_h, label_w, value_w = 34, 90, 90
    height = row_h * max(len(items), 1) + 8
    peak = max((value for _, value, _ in items), default=0) or 1
    plot_w = WIDTH - label_w - value_w
    rows = [
        (
            8,
            8 + row_h * index + 20,
            TEXT_COLOR,
            label,
            label,
            label_w,
            8 + row_h * index + 4,
            _n(max(plot_w * value / peak, 0)),
            color,
            f"{label}: {thousands(value)}",
            _n(label_w + max(plot_w * value / peak, 0) + 8),
            8 + row_h * index + 20,
            TEXT_COLOR,
            thousands(value),
        )
        for index, (label, value, color) in enumerate(items)
    ]
    body = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>'
        '<rect class="bar" data-series="{}" x="{}" y="{}" width="{}" height="22" '
        'rx="3" fill="{}"><title>{}</title></rect>'
        '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
        rows,
    )
    return format_html(
        '<svg id="{}" class="sardoba-chart" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}"><title>{}</title>{}</svg>',
        css_id,
        WIDTH,
        height,
        title,
        title,
        body,
    )


def legend(series: Sequence[Series]) -> SafeString:
    return format_html_join(
        mark_safe(" "),
        '<span class="legend-item"><span class="swatch" style="background:{}">'
        "</span>{}</span>",
        ((s.color, s.label) for s in series),
    )
