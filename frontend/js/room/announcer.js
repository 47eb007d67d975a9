// A polite live region for screen readers: remote changes are summarised
// ("Health added an entry to Protective"), messages arriving together are
// read as one, and text edits are announced at most once per entry per
// few seconds, never once per keystroke.

const GATHER_MS = 400
const EDIT_QUIET_MS = 2000
const EDIT_INTERVAL_MS = 6000

export class Announcer {
  constructor (region) {
    this.region = region
    this.queue = []
    this.timer = null
    this.edits = new Map() // entry id -> {timer, last, describe}
    this.history = [] // what was announced, for tests and debugging
  }

  say (message) {
    if (!message) return
    this.queue.push(message)
    if (!this.timer) this.timer = setTimeout(() => this.flush(), GATHER_MS)
  }

  flush () {
    this.timer = null
    const unique = [...new Set(this.queue)]
    this.queue = []
    if (!unique.length) return
    const text = unique.map(m => m.replace(/\.$/, '')).join('. ') + '.'
    this.history.push(text)
    // Clear first so that the same words are announced again if repeated.
    this.region.textContent = ''
    setTimeout(() => { this.region.textContent = text }, 50)
  }

  // A remote edit to an entry's text: announce once it has paused, and not
  // again for that entry within EDIT_INTERVAL_MS.
  edited (entryId, describe) {
    const state = this.edits.get(entryId) || { timer: null, last: 0 }
    state.describe = describe
    this.edits.set(entryId, state)
    if (state.timer) return
    const wait = Math.max(EDIT_QUIET_MS, state.last + EDIT_INTERVAL_MS - Date.now())
    state.timer = setTimeout(() => {
      state.timer = null
      state.last = Date.now()
      this.say(state.describe())
    }, wait)
  }

  forget (entryId) {
    const state = this.edits.get(entryId)
    if (state && state.timer) clearTimeout(state.timer)
    this.edits.delete(entryId)
  }
}
