// Copy buttons: a button with data-copy="text" copies that text (an invitation link) to the
// clipboard. They are hidden in the page and shown here, so without script nobody meets a button
// that does nothing; the link stays readable in its field. The result is announced politely.
const SHOWN_MS = 2500

function announce (message) {
  const status = document.querySelector('[data-copy-status]')
  if (!status) return
  status.textContent = ''
  requestAnimationFrame(() => { status.textContent = message })
}

async function copy (button) {
  const label = button.firstChild
  const original = label.textContent
  try {
    await navigator.clipboard.writeText(button.dataset.copy)
    label.textContent = 'Copied'
    announce('Link copied.')
  } catch (error) {
    label.textContent = 'Copy failed'
    announce('The link could not be copied: select it and copy it yourself.')
  }
  setTimeout(() => { label.textContent = original }, SHOWN_MS)
}

export function initCopyButtons () {
  if (!navigator.clipboard) return
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false
    button.addEventListener('click', () => copy(button))
  }
}
