"""Charts as inline SVG, drawn on the server: no script, no CDN, readable in RTL and LTR pages."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tanzim.common.normalize import to_persian_digits

BRAND = "#0b4f6c"
MUTED = "#adb5bd"
TIER_COLOURS = {"A": "#1b7f3b", "B": "#4a9d5b", "C": "#d39e00", "D": "#c0392b"}


def _n(value: float, persian: bool) -> str:
    text = f"{value:g}"
    return to_persian_digits(text) if persian else text


def histogram(
    bins: Sequence[dict], *, title: str, persian: bool, width: int = 640, height: int = 220
) -> SafeString:
    """Bars of offices per score band (0–100), axis labels every 20 points."""
    pad_x, pad_y = 36, 24
    plot_w, plot_h = width - 2 * pad_x, height - 2 * pad_y
    top = max([b["count"] for b in bins] + [1])
    bar_w = plot_w / max(1, len(bins))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="ranking-chart" direction="ltr"><title>{escape(title)}</title>',
        f'<line x1="{pad_x}" y1="{height - pad_y}" x2="{width - pad_x}" y2="{height - pad_y}" '
        f'stroke="{MUTED}"/>',
    ]
    for i, b in enumerate(bins):
        h = plot_h * b["count"] / top
        x = pad_x + i * bar_w
        colour = TIER_COLOURS["A"] if b["low"] >= 85 else TIER_COLOURS["B"] if b["low"] >= 70 else (
            TIER_COLOURS["C"] if b["low"] >= 55 else TIER_COLOURS["D"]
        )  # fmt: skip
        label = f"{_n(b['low'], persian)}–{_n(b['high'], persian)}: {_n(b['count'], persian)}"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - pad_y - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{colour}" data-count="{b["count"]}"><title>{escape(label)}</title></rect>'
        )
    for tick in range(0, 101, 20):
        x = pad_x + plot_w * tick / 100
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" fill="#495057">'
            f"{_n(tick, persian)}</text>"
        )
    parts.append(
        f'<text x="{pad_x - 6}" y="{pad_y}" font-size="11" text-anchor="end" fill="#495057">'
        f"{_n(top, persian)}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def trend(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], bool]],
    *,
    title: str,
    persian: bool,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Mean score per province over periods; the highlighted series is drawn last and bold."""
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

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="ranking-chart" direction="ltr"><title>{escape(title)}</title>'
    ]
    for tick in (low, (low + high) / 2, high):
        y = height - pad_y - plot_h * (tick - low) / span
        parts.append(
            f'<line x1="{pad_x}" y1="{y:.1f}" x2="{width - pad_x}" y2="{y:.1f}" stroke="#e9ecef"/>'
            f'<text x="{pad_x - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#495057">'
            f"{_n(round(tick), persian)}</text>"
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{pad_x + i * step:.1f}" y="{height - 8}" font-size="11" text-anchor="middle" '
            f'fill="#495057">{escape(label)}</text>'
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
                x, y = c.split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{BRAND}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
