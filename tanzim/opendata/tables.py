"""Public tables and their small-cell suppression.

Every figure the open-data pages, downloads and API publish is a cell of a ``PublicTable``. A
count under ``THRESHOLD`` (5), an amount made of fewer than 5 items, and a ratio or mean whose
denominator is under 5 are published as *suppressed*: blank, and the column's key in the row's
``suppressed`` list. Suppression is then extended (secondary suppression) until no published
total, together with the other published parts, gives a suppressed cell back; and a ratio is
suppressed whenever its numerator or denominator is. See docs/opendata.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise

THRESHOLD = 5

Kind = Literal["text", "count", "amount", "ratio"]


@dataclass(frozen=True)
class Column:
    """One column. ``hidden`` columns (e.g. the sum behind a mean) take part in suppression only."""

    key: str
    label: str | Promise
    kind: Kind
    description: str | Promise = ""
    count_of: str = ""  # amount: the count of items it is made of (its smallness hides it)
    # ratio: its value from the row, the cells it is computed from, and the counts under it
    value: Callable[[dict[str, Any]], float | None] | None = None
    needs: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    digits: int = 0  # decimals a ratio is rounded to
    unit: str = ""
    hidden: bool = False

    @property
    def additive(self) -> bool:
        return self.kind in ("count", "amount")


@dataclass
class PublicTable:
    """Rows of raw figures, suppressed on construction; ``cells`` gives what may be published."""

    name: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    # Row totals: (total row index, part row indexes) — every additive column adds up.
    row_sums: Sequence[tuple[int, Sequence[int]]] = ()
    # Column totals within a row: (total column, part columns).
    column_sums: Sequence[tuple[str, Sequence[str]]] = ()
    # Cells already unknown to a reader before this table (rows marked ``_virtual`` are never
    # published: they stand for totals another table publishes, known only where it does).
    preset: Sequence[set[str]] | None = None
    suppressed: list[set[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.suppressed = suppress(self.columns, self.rows, self.row_sums, self.column_sums, self.preset)

    @property
    def public_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.hidden]

    def cells(self) -> Iterable[dict[str, Any]]:
        """Each row as published: suppressed cells ``None``, the list of them under ``suppressed``."""
        public = self.public_columns
        never_published = {c.key for c in self.columns if c.hidden}
        for row, hidden in zip(self.rows, self.suppressed, strict=True):
            if row.get("_virtual"):
                continue
            out: dict[str, Any] = {}
            for column in public:
                out[column.key] = None if column.key in hidden else publish(column, row)
            out["suppressed"] = sorted(hidden - never_published)
            yield out


def publish(column: Column, row: dict[str, Any]) -> Any:
    if column.kind == "ratio":
        value = column.value(row) if column.value else None
        return None if value is None else round(value, column.digits)
    value = row.get(column.key)
    if column.kind in ("count", "amount"):
        return int(value or 0)
    return "" if value is None else str(value)


def suppress(
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    row_sums: Sequence[tuple[int, Sequence[int]]] = (),
    column_sums: Sequence[tuple[str, Sequence[str]]] = (),
    preset: Sequence[set[str]] | None = None,
) -> list[set[str]]:
    """The suppressed column keys of each row (primary, then secondary, then ratios)."""
    by_key = {c.key: c for c in columns}
    hidden: list[set[str]] = [set(p) for p in preset] if preset is not None else [set() for _ in rows]
    # Primary: small counts, amounts of few items.
    for i, row in enumerate(rows):
        for c in columns:
            if (c.kind == "count" and (row.get(c.key) or 0) < THRESHOLD) or (
                c.kind == "amount" and c.count_of and (row.get(c.count_of) or 0) < THRESHOLD
            ):
                hidden[i].add(c.key)
    additive = [c.key for c in columns if c.additive]
    # Every linear relation the published table holds: a total and its parts.
    relations: list[list[tuple[int, str]]] = []
    for total, parts in row_sums:
        for key in additive:
            relations.append([(total, key)] + [(p, key) for p in parts])
    for i in range(len(rows)):
        for total_key, part_keys in column_sums:
            relations.append([(i, total_key)] + [(i, k) for k in part_keys])
    sensitive = {(i, k) for i, keys in enumerate(hidden) for k in keys}
    kinds = {c.key: c.kind for c in columns}
    while True:
        # An amount goes with the count it is made of.
        for i in range(len(rows)):
            for c in columns:
                if c.kind == "amount" and c.count_of in hidden[i]:
                    hidden[i].add(c.key)
        cell = _exposed(relations, hidden, sensitive, rows, kinds)
        if cell is None:
            break
        hidden[cell[0]].add(cell[1])
    # Ratios: a small or hidden denominator, or a hidden numerator.
    for i, row in enumerate(rows):
        for c in columns:
            if c.kind != "ratio":
                continue
            den = sum(row.get(k) or 0 for k in c.denominator)
            if (c.denominator and den < THRESHOLD) or any(k in hidden[i] for k in (*c.needs, *c.denominator)):
                hidden[i].add(c.key)
    for i in range(len(rows)):
        hidden[i] = {k for k in hidden[i] if k in by_key}
    return hidden


Cell = tuple[int, str]


def _unknown(relations: list[list[Cell]], hidden: list[set[str]]) -> set[Cell]:
    """The withheld cells a reader cannot work out: any sum with one unknown gives it away."""
    unknown = {(i, k) for i, keys in enumerate(hidden) for k in keys}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            left = [cell for cell in relation if cell in unknown]
            if len(left) == 1:
                unknown.discard(left[0])
                changed = True
    return unknown


def _exposed(
    relations: list[list[Cell]],
    hidden: list[set[str]],
    sensitive: set[Cell],
    rows: Sequence[dict[str, Any]],
    kinds: Mapping[str, str],
) -> Cell | None:
    """The next cell to withhold so that no small cell can be worked out, or None when none is needed.

    A small (primary) cell must stay unknown; and unknown parts of a count whose total is known must
    add up to 5 or more (parts adding up to 0 say each is 0). The cell chosen is the smallest still
    shown in a sum that gives something away, looking further along the sums when that one shows none.
    """
    unknown = _unknown(relations, hidden)

    def value(cell: Cell) -> Any:
        return rows[cell[0]].get(cell[1]) or 0

    def shown(cell: Cell) -> bool:
        return cell[1] not in hidden[cell[0]]

    leaks: list[list[Cell]] = []
    for relation in relations:
        gone = [cell for cell in relation[1:] if cell in unknown]
        if relation[0] in unknown or not gone:
            continue
        if kinds.get(relation[0][1]) == "count" and sum(value(c) for c in gone) < THRESHOLD:
            leaks.append(relation)
    leaked = sorted(c for c in sensitive if c not in unknown)
    if not leaks and not leaked:
        return None
    # Breadth-first from the leak over the sums it sits in, to the nearest cell still shown.
    sums_of: dict[Cell, list[int]] = defaultdict(list)  # cell → the relations it is in, in order
    for n, relation in enumerate(relations):
        for c in relation:
            sums_of[c].append(n)
    frontier: list[Cell] = [c for relation in leaks for c in relation] + leaked
    seen: set[Cell] = set(frontier)
    while frontier:
        near = [relations[n] for n in sorted({n for c in frontier for n in sums_of[c]})]
        candidates = [c for r in near for c in r[1:] if shown(c)] or [r[0] for r in near if shown(r[0])]
        if candidates:
            return min(candidates, key=lambda c: (value(c), c))
        frontier = [c for r in near for c in r if c not in seen]
        seen.update(frontier)
    return None
