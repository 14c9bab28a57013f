"""Charts as inline SVG, drawn on the server: no script, no CDN, readable in RTL and LTR pages.

Why SVG rather than a JavaScript chart library: docs/api.md ("Charts"). Each chart has a
``<title>`` and ``role="img"``; each bar or line its own ``<title>`` with the exact figure.
Pages always show the same numbers in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tanzim.common.money import format_rials
from tanzim.common.normalize import to_persian_digits

__all__ = ["BRAND", "MUTED", "TIER_COLOURS", "band_colour", "bars", "histogram", "trend"]

BRAND = "#0b4f6c"
MUTED = "#adb5bd"
INK = "#495057"
TIER_COLOURS = {"A": "#1b7f3b", "B": "#4a9d5b", "C": "#d39e00", "D": "#c0392b"}


def _n(value: float, persian: bool) -> str:
    text = f"{value:g}"
    return to_persian_digits(text) if persian else text


def _open(width: int, height: int, title: str) -> str:
    # direction="ltr": coordinates run left to right whatever the page's direction.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" direction="ltr"><title>{escape(title)}</title>'
    )


def band_colour(low: float) -> str:
    """The tier colour of a 0–100 score band (A from 85, B from 70, C from 55, D below)."""
    if low >= 85:
        return TIER_COLOURS["A"]
    if low >= 70:
        return TIER_COLOURS["B"]
    if low >= 55:
        return TIER_COLOURS["C"]
    return TIER_COLOURS["D"]


def histogram(
    bins: Sequence[Mapping[str, float]],
    *,
    title: str,
    persian: bool,
    width: int = 640,
    height: int = 220,
    colour: Callable[[float], str] = band_colour,
) -> SafeString:
    """Bars of counts per score band (0–100), axis labels every 20 points.

    Each bin is ``{"low": …, "high": …, "count": …}``: the count of values in [low, high).
    """
    pad_x, pad_y = 36, 24
    plot_w, plot_h = width - 2 * pad_x, height - 2 * pad_y
    top = max([b["count"] for b in bins] + [1])
    bar_w = plot_w / max(1, len(bins))
    parts = [
        _open(width, height, title),
        f'<line x1="{pad_x}" y1="{height - pad_y}" x2="{width - pad_x}" y2="{height - pad_y}" '
        f'stroke="{MUTED}"/>',
    ]
    for i, b in enumerate(bins):
        h = plot_h * b["count"] / top
        x = pad_x + i * bar_w
        label = f"{_n(b['low'], persian)}–{_n(b['high'], persian)}: {_n(b['count'], persian)}"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - pad_y - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{colour(b["low"])}" data-count="{b["count"]}"><title>{escape(label)}</title></rect>'
        )
    for tick in range(0, 101, 20):
        x = pad_x + plot_w * tick / 100
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" font-size="14" text-anchor="middle" fill="{INK}">'
            f"{_n(tick, persian)}</text>"
        )
    parts.append(
        f'<text x="{pad_x - 6}" y="{pad_y}" font-size="14" text-anchor="end" fill="{INK}">'
        f"{_n(top, persian)}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def trend(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], bool]],
    *,
    title: str,
    persian: bool,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Lines of 0–100 scores over periods; the highlighted series is drawn last and bold."""
    pad_x, pad_y = 40, 28
    plot_w, plot_h = width - 2 * pad_x, height - 2 * pad_y
    values = [v for _name, points, _hl in series for v in points if v is not None]
    low = min([*values, 100.0]) if values else 0.0
    high = max([*values, 0.0]) if values else 100.0
    low, high = max(0.0, (low // 10) * 10), min(100.0, (high // 10 + 1) * 10)
    span = max(1.0, high - low)
    step = plot_w / max(1, len(labels) - 1)

    def xy(i: int, v: float) -> str:
        return f"{pad_x + i * step:.1f},{height - pad_y - plot_h * (v - low) / span:.1f}"

    parts = [_open(width, height, title)]
    for tick in (low, (low + high) / 2, high):
        y = height - pad_y - plot_h * (tick - low) / span
        parts.append(
            f'<line x1="{pad_x}" y1="{y:.1f}" x2="{width - pad_x}" y2="{y:.1f}" stroke="#e9ecef"/>'
            f'<text x="{pad_x - 6}" y="{y + 4:.1f}" font-size="14" text-anchor="end" fill="{INK}">'
            f"{_n(round(tick), persian)}</text>"
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{pad_x + i * step:.1f}" y="{height - 8}" font-size="14" text-anchor="middle" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    for name, points, highlighted in sorted(series, key=lambda s: s[2]):
        coords = [xy(i, v) for i, v in enumerate(points) if v is not None]
        if not coords:
            continue
        colour, stroke = (BRAND, 3) if highlighted else (MUTED, 1)
        parts.append(
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}" stroke-width="{stroke}" '
            f'data-series="{escape(name)}"><title>{escape(name)}</title></polyline>'
        )
        if highlighted:
            for c in coords:
                cx, cy = c.split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{BRAND}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def bars(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    persian: bool,
    rtl: bool,
    width: int = 720,
    row_height: int = 22,
    label_width: int = 150,
    value_width: int = 130,
    fmt: Callable[[float], str] | None = None,
) -> SafeString:
    """Horizontal bars of amounts, one labelled row each: whole rials, or ``fmt``'s text of any figure
    (a percentage, days).

    In a right-to-left page the labels stand on the right and the bars grow leftwards.
    """
    pad = 8
    height = 2 * pad + row_height * max(1, len(rows))
    plot_w = width - label_width - value_width - 2 * pad
    top = max([value for _label, value in rows] + [1])
    parts = [_open(width, height, title)]
    for i, (label, value) in enumerate(rows):
        y = pad + i * row_height
        bar_w = plot_w * max(0, value) / top
        amount = fmt(value) if fmt is not None else format_rials(int(value), persian_digits=persian)
        if rtl:
            label_x, label_anchor = width - pad, "end"
            bar_x = width - pad - label_width - bar_w
            value_x, value_anchor = bar_x - 6, "end"
        else:
            label_x, label_anchor = pad, "start"
            bar_x = pad + label_width
            value_x, value_anchor = bar_x + bar_w + 6, "start"
        text_y = y + row_height * 0.7
        parts.append(
            f'<text x="{label_x}" y="{text_y:.1f}" font-size="12" text-anchor="{label_anchor}" '
            f'fill="{INK}">{escape(label)}</text>'
            f'<rect x="{bar_x:.1f}" y="{y + 3}" width="{bar_w:.1f}" height="{row_height - 6}" fill="{BRAND}" '
            f'data-value="{value}"><title>{escape(label)}: {escape(amount)}</title></rect>'
            f'<text x="{value_x:.1f}" y="{text_y:.1f}" font-size="11" text-anchor="{value_anchor}" '
            f'fill="{INK}">{escape(amount)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above
