// Adding, removing and moving entries (entry:add / entry:remove / entry:move),
// with focus kept where a keyboard user expects it and the result announced.

const ACK_TIMEOUT_MS = 15000

const lowerFirst = text => text.charAt(0).toLowerCase() + text.slice(1)

export class EntryActions {
  constructor (room) {
    this.room = room
  }

  emit (event, payload, kind, fallback, done) {
    const room = this.room
    room.socket.timeout(ACK_TIMEOUT_MS).emit(event, { forum: room.forumId, ...payload }, (timeout, ack) => {
      if (timeout || !ack || !ack.ok) return this.refused(kind, timeout ? null : ack, fallback)
      done(ack)
    })
  }

  add (panelKey) {
    const room = this.room
    if (!room.canEdit()) return
    if (!room.joined) return this.notConnected('add the entry')
    this.emit('entry:add', { panel: panelKey }, 'add', 'The entry was not added.', ack => {
      if (!room.entries.some(e => e.id === ack.entry.id)) room.setEntries([...room.entries, ack.entry])
      const view = room.view.view(ack.entry.id)
      if (view) view.textarea.focus()
    })
  }

  remove (entryId) {
    const room = this.room
    if (!room.joined) return this.notConnected('remove the entry')
    room.removals.confirm(entryId, () => this.removeNow(entryId))
  }

  removeNow (entryId) {
    const room = this.room
    const view = room.view.view(entryId)
    const siblings = view ? [...view.element.parentElement.children] : []
    const index = view ? siblings.indexOf(view.element) : -1
    const panel = view && view.panel
    this.emit('entry:remove', { entry: entryId }, 'remove', 'The entry was not removed.', () => {
      if (room.entries.some(e => e.id === entryId)) room.setEntries(room.entries.filter(e => e.id !== entryId))
      if (!panel) return
      // Focus moves to the next entry, else the previous one, else the Add button.
      const rest = [...panel.list.children]
      const next = rest[Math.min(index, rest.length - 1)]
      const target = next ? next.querySelector('textarea') : panel.add
      if (target) target.focus()
      room.announcer.say(`Entry removed from ${panel.name}`)
    })
  }

  move (entryId, direction) {
    const room = this.room
    if (!room.joined) return this.notConnected('move the entry')
    const before = this.indexInPanel(entryId)
    this.emit('entry:move', { entry: entryId, direction }, 'move', 'The entry was not moved.', () => {
      // Unless the server's `entries` list has already shown the move, show it now.
      if (this.indexInPanel(entryId) === before) room.setEntries(this.locallyMoved(entryId, direction))
      const view = room.view.view(entryId)
      if (!view) return
      const same = view.buttons[direction].element
      const other = view.buttons[direction === 'up' ? 'down' : 'up'].element
      ;(same.disabled ? other : same).focus()
      room.announcer.say(`Moved: now ${lowerFirst(view.description)}`)
    })
  }

  indexInPanel (entryId) {
    const view = this.room.view.view(entryId)
    return view ? [...view.element.parentElement.children].indexOf(view.element) : -1
  }

  // The order after a move, until the server's `entries` list confirms it.
  locallyMoved (entryId, direction) {
    const entries = this.room.entries
    const entry = entries.find(e => e.id === entryId)
    if (!entry) return entries
    const panel = entries.filter(e => e.panel === entry.panel).sort((a, b) => a.position - b.position || a.id - b.id)
    const from = panel.indexOf(entry)
    const to = direction === 'up' ? from - 1 : from + 1
    if (to < 0 || to >= panel.length) return entries
    const ordered = panel.slice()
    ordered.splice(from, 1)
    ordered.splice(to, 0, entry)
    const positions = new Map(ordered.map((e, i) => [e.id, i]))
    return entries.map(e => positions.has(e.id) ? { ...e, position: positions.get(e.id) } : e)
  }

  refused (kind, ack, fallback) {
    const error = (ack && ack.error) || {}
    const message = error.message || (ack ? fallback : `${fallback} The server did not answer in time; try again.`)
    this.room.refusals.problem(`action:${kind}`, 'Your change was not saved', message)
  }

  notConnected (what) {
    this.room.refusals.problem('offline-action', 'Not connected', `You cannot ${what} while the connection is lost. Try again when the page shows "Saved".`)
  }
}
