// The "Changes:" save state pill: Saved / Not yet saved / Reconnecting… /
// Not saved. A save that takes a moment is normal, so "Not yet saved" is shown
// only if it lasts; screen readers do not hear it change on every keystroke.

const SHOW_UNSAVED_AFTER_MS = 1000

export const STATUS_TEXT = {
  connecting: 'Connecting…',
  saved: 'Saved',
  unsaved: 'Not yet saved',
  reconnecting: 'Reconnecting…',
  refused: 'Not saved',
  closed: 'Not connected'
}

const STATE_CLASS = {
  saved: 'forum-status--saved',
  unsaved: 'forum-status--not-saved',
  refused: 'forum-status--not-saved',
  reconnecting: 'forum-status--reconnecting',
  connecting: 'forum-status--reconnecting',
  closed: 'forum-status--not-saved'
}

export class SaveState {
  // compute: () => one of the STATUS_TEXT keys, the state right now.
  constructor (element, compute) {
    this.element = element
    this.compute = compute
    this.shown = null
    this.timer = null
  }

  text () {
    return STATUS_TEXT[this.compute()]
  }

  render () {
    const state = this.compute()
    if (state === 'unsaved' && this.shown === 'saved') {
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null
          this.show(this.compute())
        }, SHOW_UNSAVED_AFTER_MS)
      }
      return
    }
    clearTimeout(this.timer)
    this.timer = null
    this.show(state)
  }

  show (state) {
    if (state === this.shown) return
    this.shown = state
    this.element.textContent = STATUS_TEXT[state]
    this.element.className = `forum-status ${STATE_CLASS[state]}`
    this.element.dataset.state = state
  }
}
