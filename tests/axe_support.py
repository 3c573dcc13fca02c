"""axe-core (installed from npm with the other front-end assets, never served) run inside a
Playwright page: the accessibility rules a page breaks, keeping the critical and serious ones."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
RUN = """async () => {
  const report = await axe.run(document, {resultTypes: ["violations"]});
  return report.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(node => node.target.join(" ")),
  }));
}"""


def blocking_violations(page: object) -> list[dict[str, object]]:
    """The critical and serious violations axe finds on the page as it is now shown."""
    page.add_script_tag(path=str(AXE))
    return [found for found in page.evaluate(RUN) if found["impact"] in BLOCKING]


def describe(violations: list[dict[str, object]]) -> str:
    """One line a violation, for an assertion message a reader can act on."""
    return "\n".join(
        f"{found['impact']} {found['id']} ({found['help']}): {', '.join(found['targets'][:5])}"
        for found in violations
    )
