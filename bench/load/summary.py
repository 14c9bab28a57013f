"""The figures of a load run (bench/load/run.sh) as Markdown: per route, then the soak's first and last sample.

.venv/bin/python bench/load/summary.py [var/load]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def table(path: Path) -> list[str]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    lines = [
        f"`{path.stem}`",
        "",
        "| route | requests | errors | req/s | median ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.2f} "
            f"| {row['50%']} | {row['95%']} |"
        )
    return [*lines, ""]


def main(directory: str = "var/load") -> None:
    root = Path(directory)
    out: list[str] = []
    for name in ("day_stats.csv", "soak_stats.csv"):
        if (root / name).exists():
            out += table(root / name)
    samples = root / "soak-samples.txt"
    if samples.exists():
        lines = [line for line in samples.read_text(encoding="utf-8").splitlines() if line.strip()]
        if lines:
            out += ["soak samples (first, last):", "", f"    {lines[0]}", f"    {lines[-1]}", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:2])
