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


_SMALL_TARGETS = """(scope) => {
  const controls = document.querySelectorAll(
    `${scope} :is(a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"]))`)
  const small = []
  for (const element of controls) {
    const box = element.getBoundingClientRect()
    if (!box.width && !box.height) continue  // not rendered (hidden, display: none)
    if (element.matches('.govuk-skip-link:not(:focus)')) continue  // off screen until focused
    if (box.width < 24 || box.height < 24) {
      const name = (element.getAttribute('aria-label') || element.textContent || element.id || element.name || '')
      small.push(`${element.tagName.toLowerCase()} "${name.trim().slice(0, 40)}" ${box.width.toFixed(1)}x${box.height.toFixed(1)}`)
    }
  }
  return small
}"""


def small_targets(page: Page, scope: str = "main") -> list[str]:
    """Visible controls under scope smaller than 24 by 24 CSS pixels (WCAG 2.2, 2.5.8)."""
    return page.evaluate(_SMALL_TARGETS, scope)


NOTHING_FOCUSED = "nothing has the focus"

# Why the focused element fails WCAG 2.4.7 / 2.4.11, or null: it must show an indicator (an
# outline, a box-shadow, or GOV.UK's on the label of a radio/checkbox) and its centre must be on
# screen and not under anything else (such as the sticky stage line), two frames after it moved.
FOCUS_PROBLEM = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))  // scrolling settles
  const element = document.activeElement
  if (!element || element === document.body) return 'nothing has the focus'
  if (window.focusStops) window.focusStops.add(element)  // a test counting the elements it reached
  const name = `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''} "${(element.textContent || element.value || '').trim().slice(0, 30)}"`
  const shows = style => (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 &&
      !/transparent|rgba\\(.*, 0\\)/.test(style.outlineColor)) || style.boxShadow !== 'none'
  let visible = shows(getComputedStyle(element))
  if (!visible && element.matches('.govuk-radios__input, .govuk-checkboxes__input')) {
    const label = element.labels && element.labels[0]
    visible = Boolean(label) && (shows(getComputedStyle(label, '::before')) || shows(getComputedStyle(label, '::after')))
  }
  if (!visible) return `${name} shows no focus indicator`
  const box = element.getBoundingClientRect()
  const x = box.left + box.width / 2
  const y = box.top + box.height / 2
  if (y < 0 || y > window.innerHeight || x < 0 || x > window.innerWidth) return `${name} is off screen (${box.top})`
  const hit = document.elementFromPoint(x, y)
  const label = element.labels && element.labels[0]
  if (hit && (element.contains(hit) || hit.contains(element) || (label && label.contains(hit)))) return null
  return `${name} is hidden behind ${hit ? hit.outerHTML.slice(0, 80) : 'nothing'}`
}"""
