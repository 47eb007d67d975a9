// Idle session warning: two minutes before the server would sign the user out,
// show a banner with "Stay signed in". Typing or clicking anywhere (including in
// the live room, which talks over a socket) keeps the session alive, and so does
// listening: while a live room is joined ([data-listening]) and the page is
// visible, the session is extended regularly. A hidden or closed page idles out
// as before; the absolute session lifetime still holds (the server decides).

const WARNING_SECONDS = 120
const EXTEND_AT_MOST_EVERY_MS = 60_000
const LISTENING_CHECK_MS = 5_000

function listening () {
  return document.visibilityState === 'visible' && Boolean(document.querySelector('[data-forum-room][data-listening]'))
}

function csrfToken () {
  const meta = document.querySelector('meta[name="csrf-token"]')
  return meta ? meta.content : ''
}

export function initSessionTimeout () {
  const idleSeconds = Number(document.body.dataset.sessionIdleSeconds || 0)
  const banner = document.getElementById('session-warning')
  const button = document.getElementById('session-extend')
  if (!idleSeconds || !banner || !button) return

  let warnTimer = null
  let endTimer = null
  let lastExtended = Date.now()

  function schedule () {
    clearTimeout(warnTimer)
    clearTimeout(endTimer)
    warnTimer = setTimeout(() => { banner.hidden = false }, Math.max(0, idleSeconds - WARNING_SECONDS) * 1000)
    endTimer = setTimeout(() => { window.location.assign('/login') }, idleSeconds * 1000)
  }

  async function extend () {
    lastExtended = Date.now()
    try {
      const response = await fetch('/session/extend', {
        method: 'POST',
        headers: { 'X-CSRFToken': csrfToken() },
        credentials: 'same-origin'
      })
      if (!response.ok) return
      banner.hidden = true
      schedule()
    } catch (error) {
      // Offline: the server will decide when the session ends.
    }
  }

  button.addEventListener('click', extend)
  for (const type of ['keydown', 'pointerdown']) {
    document.addEventListener(type, () => {
      if (banner.hidden && Date.now() - lastExtended > EXTEND_AT_MOST_EVERY_MS) extend()
    }, { passive: true })
  }
  // Extend a few times per idle period while someone watches a live room.
  const listenEvery = Math.min(EXTEND_AT_MOST_EVERY_MS, idleSeconds * 1000 / 4)
  setInterval(() => {
    if (listening() && Date.now() - lastExtended >= listenEvery) extend()
  }, Math.min(LISTENING_CHECK_MS, listenEvery))
  schedule()
}
