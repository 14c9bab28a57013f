"""Server-drawn SVG charts: labelled for screen readers, escaped, right-to-left when the page is."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tanzim.common import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bars_draw_one_titled_bar_per_row_with_the_exact_amount():
    rows = [("Tehran", 1_500_000), ("Qom", 500_000)]

    svg = parse(charts.bars(rows, title="Revenue", persian=False, rtl=False))

    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Revenue"
    assert svg.find(f"{SVG}title").text == "Revenue"
    rects = svg.findall(f"{SVG}rect")
    assert [r.find(f"{SVG}title").text for r in rects] == ["Tehran: 1,500,000", "Qom: 500,000"]
    widths = [float(r.get("width")) for r in rects]
    assert abs(widths[0] - 3 * widths[1]) < 0.5


def test_bars_in_a_persian_page_use_persian_digits_and_grow_from_the_right():
    svg = parse(charts.bars([("تهران", 1_500_000)], title="درآمد", persian=True, rtl=True, width=720))

    rect = svg.find(f"{SVG}rect")
    assert rect.find(f"{SVG}title").text == "تهران: ۱٬۵۰۰٬۰۰۰"
    assert float(rect.get("x")) + float(rect.get("width")) > 720 / 2
    label = svg.findall(f"{SVG}text")[0]
    assert (label.get("text-anchor"), label.text) == ("end", "تهران")


def test_labels_are_escaped():
    svg = charts.bars([("<script>", 1)], title='"x" & <y>', persian=False, rtl=False)

    assert "<script>" not in svg
    assert parse(svg).get("aria-label") == '"x" & <y>'


def test_an_empty_chart_is_still_well_formed():
    assert parse(charts.bars([], title="Nothing", persian=False, rtl=False)).find(f"{SVG}rect") is None
    assert parse(charts.histogram([], title="Nothing", persian=False)).find(f"{SVG}rect") is None
    assert parse(charts.trend([], [], title="Nothing", persian=False)).find(f"{SVG}polyline") is None


def test_a_histogram_colours_each_band_by_tier():
    bins = [{"low": low, "high": low + 10, "count": 2} for low in (40, 60, 75, 90)]

    rects = parse(charts.histogram(bins, title="Offices", persian=True)).findall(f"{SVG}rect")

    assert [r.get("fill") for r in rects] == [charts.TIER_COLOURS[t] for t in "DCBA"]
    assert rects[0].find(f"{SVG}title").text == "۴۰–۵۰: ۲"


def test_a_trend_draws_the_highlighted_series_last_and_skips_gaps():
    svg = parse(
        charts.trend(
            ["1403-Q1", "1403-Q2", "1403-Q3"],
            [("Iran", [70.0, None, 80.0], True), ("Qom", [60.0, 65.0, 62.0], False)],
            title="Trend",
            persian=False,
        )
    )

    lines = svg.findall(f"{SVG}polyline")
    assert [line.get("data-series") for line in lines] == ["Qom", "Iran"]
    assert len(re.findall(r"[\d.]+,[\d.]+", lines[1].get("points"))) == 2
    assert len(svg.findall(f"{SVG}circle")) == 2
