"""axe-core in the browser tests: injected from var/node (scripts/ensure-axe), never fetched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "var/node/node_modules/axe-core/axe.min.js"
# What fails a page: WCAG problems that stop or seriously hinder someone using it.
FAILING_IMPACTS = frozenset({"serious", "critical"})

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


def axe_script() -> str:
    """The path of axe.min.js; the test fails, pointing at the script, if it is not installed."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/ensure-axe (make test does)")
    return str(AXE_JS)


def axe_problems(page: Any) -> list[str]:
    """The serious and critical axe violations on the page as it is now, one line each.

    The page's context must be made with `bypass_csp=True`: the public pages' CSP (rightly)
    forbids any script, axe included.
    """
    page.add_script_tag(path=axe_script())
    violations = page.evaluate(_RUN)
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
        for v in violations
        if v["impact"] in FAILING_IMPACTS
    ]
