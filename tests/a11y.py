"""axe-core in a Playwright page: WCAG 2.0/2.1/2.2 A and AA rules, failing with every violation listed."""

from playwright.sync_api import Page

AXE_URL = "/static/build/axe.min.js"  # copied from npm axe-core by `npm run build`
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN = """async ([include, tags]) => {
  const context = include ? {include: [[include]]} : document
  const result = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  return {violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))
  })), url: result.url}
}"""


def axe_violations(page: Page, include: str | None = None) -> list[dict]:
    """Run axe-core on the whole page (or one selector) and return its WCAG A/AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    return page.evaluate(_RUN, [include, WCAG_TAGS])["violations"]


def describe(violations: list[dict]) -> str:
    """One line per failing node: rule id, impact, target and what to fix."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"{violation['id']} ({violation['impact']}) at {node['target']}: {summary}")
    return "\n".join(lines)


def assert_no_violations(page: Page, include: str | None = None) -> None:
    """Fail listing each axe-core violation (id, impact, target) on the page as it is now."""
    violations = axe_violations(page, include)
    assert not violations, f"axe-core found WCAG A/AA violations on {page.url}:\n{describe(violations)}"
