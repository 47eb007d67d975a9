// Focus is never hidden behind a sticky bar (WCAG 2.2, 2.4.11). Browsers scroll
// a newly focused element into view only when none of it is on screen, so one
// that is partly on screen (Shift+Tab back up a long page) can stay under the
// stuck stage line. After the browser's own scrolling, move it out from under.
const STICKY = '[data-stage-bar]'
const GAP = 8 // pixels between the bar and the focused element

function coveredHeight (target) {
  let bottom = 0
  for (const bar of document.querySelectorAll(STICKY)) {
    if (bar.contains(target)) continue
    const position = getComputedStyle(bar).position
    if (position !== 'sticky' && position !== 'fixed') continue
    const box = bar.getBoundingClientRect()
    if (box.top <= 1 && box.bottom > bottom) bottom = box.bottom // stuck to the top of the window
  }
  return bottom
}

function moveIntoView (target) {
  if (!target.isConnected || document.activeElement !== target) return
  const covered = coveredHeight(target)
  if (!covered) return
  const box = target.getBoundingClientRect()
  if (box.top < covered + GAP) window.scrollBy({ top: box.top - covered - GAP, behavior: 'instant' })
}

export function initFocusInView () {
  document.addEventListener('focusin', event => {
    const target = event.target
    if (target instanceof Element) requestAnimationFrame(() => moveIntoView(target))
  })
}
