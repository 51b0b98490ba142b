"""Accessibility checks for browser journeys: axe-core's WCAG 2.2 AA rules on every page shown.

axe-core comes from npm (package.json's devDependencies; `make test` runs `npm ci`). It is put into
the page through the DevTools protocol (`page.evaluate`), which the Content Security Policy does not
govern, so the pages are checked exactly as served.

The `journey` fixture (tests/fixtures.py) gives a page that remembers every address it shows;
`assert_accessible(page)` checks the page as it is now, and the fixture fails the test at its end if
the journey showed an address that was never checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

AXE_SOURCE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# The rules for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary.replace(/\\n/g, " ")),
  }));
}"""


def _axe_source() -> str:
    if not AXE_SOURCE.is_file():
        raise AssertionError("axe-core is missing from node_modules: run `npm ci` (make test does).")
    return AXE_SOURCE.read_text(encoding="utf-8")


def page_key(url: str) -> str:
    """An address without its fragment: the same page whichever anchor it was opened at."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(_RUN, WCAG_22_AA)


def assert_accessible(page) -> None:
    """No WCAG 2.2 AA violation that axe can find on the page as it is now."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    checked = vars(page).get("axe_checked")
    if checked is not None:
        checked.add(page_key(page.url))
    assert not violations, f"axe found WCAG 2.2 AA violations on {page_key(page.url)}:\n" + json.dumps(
        violations, indent=2
    )


def track_pages(page) -> None:
    """Remember every address the page shows, so the journey can be held to checking each one."""
    page.axe_visited = []
    page.axe_checked = set()

    def shown(frame):
        if frame == page.main_frame and frame.url.startswith("http"):
            page.axe_visited.append(page_key(frame.url))

    page.on("framenavigated", shown)


def unchecked_pages(page) -> list[str]:
    return [url for url in dict.fromkeys(page.axe_visited) if url not in page.axe_checked]
