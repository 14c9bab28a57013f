"""axe-core in the browser tests: WCAG 2.2 AA checks of a page Chromium has rendered.

axe has an "icon ligature" heuristic: it draws a text's first letter alone and the whole text
on a canvas, and when the two differ by 15% in pixels and in width it takes the text for an
icon font's ligature (a word the font draws as one pictogram) and leaves it out. Persian is
written in joined letters, so a single Persian word often fails that comparison, and once three
texts in a font have, axe decides the whole font draws icons: colour contrast then silently skips
those texts (of five pale one-word paragraphs, axe 4.14 reported one;
``test_axe_checks_the_contrast_of_every_persian_word...`` holds the difference). The pages have no icon fonts,
so the heuristic is switched off here: axe keeps its per-font verdicts in its cache under
``fonts``; the helper answers that lookup with "seen often, never a ligature" for every font.
(axe 4.14 offers no option for the colour-contrast rule, and ``axe.commons.text.isIconLigature``
is a read-only export that axe's own rules do not call through.)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0-2.2 A and AA, the level the Tanzim pages must meet; best practices are reported too.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("critical", "serious")

_RUN = """
async (tags) => {
  if (!window.__tanzimNoIconLigatures) {
    const get = axe._cache.get;
    const neverLigatures = new Proxy({}, {
      get: () => ({ occurrences: Number.MAX_SAFE_INTEGER, numLigatures: 0 }),
    });
    axe._cache.get = function (key, creator) {
      return key === "fonts" ? neverLigatures : get.call(this, key, creator);
    };
    window.__tanzimNoIconLigatures = true;
  }
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary, html: n.html })),
  }));
}
"""


@cache
def _source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every violation axe finds on the page as it is now (all impacts).

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern, so no inline script or nonce is needed.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    violations: list[dict[str, Any]] = page.evaluate(_RUN, TAGS)
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING]


def by_impact(violations: list[dict[str, Any]]) -> dict[str, int]:
    """Violations counted by impact (one per rule, as axe reports them)."""
    counts: dict[str, int] = {}
    for violation in violations:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + 1
    return counts


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable list for an assertion message: rule, impact, help, the first nodes."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {(node['summary'] or '').splitlines()[-1:]}")
    return "\n".join(lines)
