"""Small-cell suppression on its own: what is withheld, and that no sum gives a withheld cell back."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tanzim.opendata.tables import THRESHOLD, Column, PublicTable, suppress

COLUMNS = [
    Column("place", "place", "text"),
    Column("total", "total", "count"),
    Column("a", "a", "count"),
    Column("b", "b", "count"),
    Column("money", "money", "amount", count_of="total"),
    Column(
        "share",
        "share",
        "ratio",
        value=lambda r: r["a"] / r["total"] if r["total"] else None,
        needs=("a",),
        denominator=("total",),
        digits=4,
    ),
]
COLUMN_SUMS = [("total", ("a", "b"))]


def _table(parts: list[tuple[int, int]]) -> PublicTable:
    rows: list[dict[str, Any]] = [
        {"place": f"p{i}", "a": a, "b": b, "total": a + b, "money": 1000 * (a + b)}
        for i, (a, b) in enumerate(parts)
    ]
    top = {"place": "all", **{k: sum(r[k] for r in rows) for k in ("a", "b", "total", "money")}}
    return PublicTable("t", COLUMNS, [top, *rows], [(0, range(1, len(rows) + 1))], COLUMN_SUMS)


def _relations(table: PublicTable) -> list[list[tuple[int, str]]]:
    n = len(table.rows)
    out = [[(0, k)] + [(i, k) for i in range(1, n)] for k in ("total", "a", "b", "money")]
    out += [[(i, "total"), (i, "a"), (i, "b")] for i in range(n)]
    return out


def test_a_count_under_five_and_what_rests_on_it_are_withheld():
    table = _table([(3, 40), (30, 40), (30, 40)])
    row = list(table.cells())[1]
    assert row["a"] is None and row["share"] is None
    assert {"a", "share"} <= set(row["suppressed"])
    assert (row["total"] is None) == (row["money"] is None)


def test_money_of_fewer_than_five_items_is_withheld():
    table = _table([(1, 2), (30, 40), (30, 40)])
    row = list(table.cells())[1]
    assert row["money"] is None and row["total"] is None


def test_a_lone_withheld_part_takes_another_with_it():
    table = _table([(3, 40), (30, 40), (30, 40)])
    cells = list(table.cells())
    assert cells[1]["a"] is None
    # 3 withheld alone would be 63 − 30 − 30 (the column) or 43 − 40 (the row): more goes with it.
    assert sum(1 for r in cells if r["a"] is None) >= 2
    assert cells[1]["total"] is None or cells[1]["b"] is None


def test_withheld_zeros_are_not_given_away_by_the_total():
    table = _table([(0, 40), (30, 40), (30, 40)])
    cells = list(table.cells())
    # 0 + 30 + 30 = 60: with one 30 shown and the total shown, the withheld part must not add up to 0.
    shown = sum(r["a"] for r in cells[1:] if r["a"] is not None)
    assert cells[0]["a"] is None or cells[0]["a"] - shown >= THRESHOLD


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=8))
def test_no_published_sum_leaves_a_withheld_cell_to_subtraction(parts):
    table = _table(parts)
    hidden = table.suppressed
    for i, row in enumerate(table.rows):
        for key in ("total", "a", "b"):
            if row[key] < THRESHOLD:
                assert key in hidden[i]
        if row["total"] < THRESHOLD:
            assert "share" in hidden[i] and "money" in hidden[i]
    # What a reader can work out: any sum with a single unknown cell gives it away, repeatedly.
    unknown = {(i, k) for i, keys in enumerate(hidden) for k in keys}
    relations = _relations(table)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            left = [cell for cell in relation if cell in unknown]
            if len(left) == 1:
                unknown.discard(left[0])
                changed = True
    for i, row in enumerate(table.rows):
        for key in ("total", "a", "b"):
            if row[key] < THRESHOLD:
                assert (i, key) in unknown
    for relation in relations:
        gone = [cell for cell in relation[1:] if cell in unknown]
        if gone and relation[0] not in unknown and relation[0][1] != "money":
            assert sum(table.rows[i][k] for i, k in gone) >= THRESHOLD


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=6))
def test_published_cells_are_the_raw_figures(parts):
    table = _table(parts)
    for row, out in zip(table.rows, table.cells(), strict=True):
        for key in ("total", "a", "b", "money"):
            assert out[key] is None or out[key] == row[key]
        assert set(out) == {"place", "total", "a", "b", "money", "share", "suppressed"}


def test_suppress_can_start_from_cells_already_unknown():
    rows = [{"x": 10}, {"x": 6}, {"x": 4}]
    columns = [Column("x", "x", "count")]
    # Row 0 is a total known elsewhere; row 2 is small: row 1 goes with it.
    assert suppress(columns, rows, [(0, [1, 2])], (), [set(), set(), set()])[1] == {"x"}
    # The total unknown elsewhere: row 1 can stay.
    assert suppress(columns, rows, [(0, [1, 2])], (), [{"x"}, set(), set()])[1] == set()
