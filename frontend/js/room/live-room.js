// The live room client: Socket.IO namespace /forum (docs/protocol.md), a
// Y.Doc with one Y.Text per entry, save state, reconnection, presence and
// announcements.
import * as Y from 'yjs'
import { io } from 'socket.io-client'
import { toBase64, fromBase64 } from './base64.js'
import { TextBinding } from './text-binding.js'
import { EntriesView } from './entries-view.js'
import { Presence } from './presence.js'
import { Announcer } from './announcer.js'
import { Refusals } from './refusals.js'

const ACK_TIMEOUT_MS = 15000
const RETRY_MS = 1500
const SHOW_UNSAVED_AFTER_MS = 1000
const FOCUS_SETTLE_MS = 150
const TRANSIENT = new Set(['rate_limited', 'server_error'])
const EDIT_ROLES = new Set(['chair', 'contributor'])

const STATUS_TEXT = {
  connecting: 'Connecting…',
  saved: 'Saved',
  unsaved: 'Not yet saved',
  reconnecting: 'Reconnecting…',
  refused: 'Not saved',
  closed: 'Not connected'
}

const lowerFirst = text => text.charAt(0).toLowerCase() + text.slice(1)

// An update carries nothing when it has no structs and no deletions.
function isEmptyUpdate (update) {
  const { structs, ds } = Y.decodeUpdate(update)
  return structs.length === 0 && ds.clients.size === 0
}

export class LiveRoom {
  constructor (root) {
    this.root = root
    this.forumId = Number(root.dataset.forumId)
    this.role = root.dataset.role
    this.doc = new Y.Doc()
    this.origin = { name: 'local-input' } // transactions made by this user's typing
    this.bindings = new Map() // entry id -> TextBinding
    this.textToEntry = new Map() // Y.Text -> entry id
    this.entries = []
    this.panelsByKey = new Map()
    this.me = null
    this.joined = false
    this.stage = root.dataset.stage
    this.generation = 0
    this.inflight = new Map() // ack id -> entry ids in that update
    this.nextAck = 0
    this.unsent = false // local changes the server has not got (offline, or to retry)
    this.unsentEntries = new Set() // the entries those changes touched
    this.refused = false
    this.focusTimer = null
    this.sentFocus = undefined
    this.state = 'connecting'

    this.statusElement = root.querySelector('[data-status]')
    this.announcer = new Announcer(root.querySelector('[data-announcer]'))
    this.refusals = new Refusals(root.querySelector('[data-problems]'))
    this.presence = new Presence(root.querySelector('[data-presence]'), this.announcer)
    this.view = new EntriesView(root, {
      editable: this.canEdit(),
      actions: this.canEdit()
        ? { up: (id, button) => this.move(id, 'up', button), down: (id, button) => this.move(id, 'down', button), remove: id => this.remove(id) }
        : null,
      onAdd: (panel, button) => this.add(panel, button),
      onFocus: id => this.focusChanged(id),
      bind: (id, textarea) => this.bind(id, textarea),
      unbind: id => this.unbind(id)
    })
    for (const [key, panel] of this.view.panels) this.panelsByKey.set(key, panel)

    this.doc.on('update', (update, origin, doc, transaction) => this.localUpdate(update, origin, transaction))
    this.socket = io('/forum', { autoConnect: false })
    this.socket.on('connect', () => this.join())
    this.socket.on('disconnect', () => this.disconnected())
    this.socket.on('connect_error', error => this.connectError(error))
    this.socket.on('update', message => this.remoteUpdate(message))
    this.socket.on('entries', message => this.remoteEntries(message))
    this.socket.on('presence', message => this.remotePresence(message))
    window.addEventListener('pagehide', () => {
      if (this.joined) this.socket.emit('leave', { forum: this.forumId })
    })
    this.render()
    this.socket.connect()
  }

  canEdit () {
    return EDIT_ROLES.has(this.role) && this.stage !== 'locked'
  }

  // ---- joining and syncing -------------------------------------------------

  join () {
    const generation = ++this.generation
    this.joined = false
    const sv = toBase64(Y.encodeStateVector(this.doc))
    this.socket.timeout(ACK_TIMEOUT_MS).emit('join', { forum: this.forumId, sv }, (timeout, ack) => {
      if (generation !== this.generation || !this.socket.connected) return
      if (timeout) return this.socket.disconnect().connect()
      if (!ack || !ack.ok) return this.joinRefused(ack)
      this.joined = true
      this.refusals.clear('connection')
      this.me = ack.me
      this.role = ack.me.role
      this.stage = ack.forum && ack.forum.stage
      this.presence.me = ack.me.user
      this.applyRemote(ack.update)
      this.view.setEditable(this.canEdit())
      for (const binding of this.bindings.values()) binding.setEditable(this.canEdit())
      this.setEntries(ack.entries || [])
      this.presence.update(ack.presence || [], { announce: false })
      this.updateTyping()
      this.catchUpServer(ack.sv)
      this.sentFocus = undefined
      this.sendFocus(this.focusedEntry())
      this.render()
    })
  }

  // Send the server whatever it lacks (edits made while away, or refused to retry).
  catchUpServer (serverSv) {
    if (!this.canEdit()) {
      this.unsent = false
      return
    }
    const missing = Y.encodeStateAsUpdate(this.doc, fromBase64(serverSv))
    const entries = [...this.unsentEntries]
    this.unsent = false
    this.unsentEntries.clear()
    if (!isEmptyUpdate(missing)) this.send(missing, entries)
  }

  joinRefused (ack) {
    const error = (ack && ack.error) || {}
    this.state = 'closed'
    this.refusals.problem('connection', 'You are not connected to the live forum', error.message || 'The server refused to let you join this forum. Reload the page to try again.')
    this.socket.disconnect()
    this.render()
  }

  disconnected () {
    this.generation++
    this.joined = false
    for (const entries of this.inflight.values()) this.keepUnsent(entries)
    this.inflight.clear()
    this.sentFocus = undefined
    this.render()
  }

  connectError (error) {
    this.joined = false
    if (!this.socket.active) {
      // Refused by the server (for example the session ended): say so, try again later.
      this.refusals.problem('connection', 'You are not connected to the live forum', 'The live connection was refused. Your text is kept on this page; sign in again in another tab if your session has ended. Trying again…')
      setTimeout(() => { if (!this.socket.connected) this.socket.connect() }, 5000)
    }
    this.render()
  }

  // ---- the CRDT document ----------------------------------------------------

  bind (entryId, textarea) {
    const ytext = this.doc.getText(`entry:${entryId}`)
    this.textToEntry.set(ytext, entryId)
    const binding = new TextBinding(ytext, textarea, { origin: this.origin, editable: this.canEdit() })
    this.bindings.set(entryId, binding)
  }

  unbind (entryId) {
    const binding = this.bindings.get(entryId)
    if (binding) binding.destroy()
    this.bindings.delete(entryId)
    this.announcer.forget(entryId)
  }

  isLocal (origin) {
    return origin === this.origin || origin instanceof Y.UndoManager
  }

  localUpdate (update, origin, transaction) {
    if (!this.isLocal(origin)) {
      this.noteRemoteEdits(transaction)
      return
    }
    const entries = []
    for (const type of transaction.changed.keys()) {
      if (this.textToEntry.has(type)) entries.push(this.textToEntry.get(type))
    }
    if (this.joined) this.send(update, entries)
    else this.keepUnsent(entries)
    this.render()
  }

  send (update, entries) {
    const id = ++this.nextAck
    const generation = this.generation
    this.inflight.set(id, entries)
    this.socket.timeout(ACK_TIMEOUT_MS).emit('update', { forum: this.forumId, update: toBase64(update) }, (timeout, ack) => {
      if (generation !== this.generation) return // the re-join sync covers it
      this.inflight.delete(id)
      if (timeout || (ack && !ack.ok && TRANSIENT.has(ack.error && ack.error.code))) {
        this.keepUnsent(entries)
        this.scheduleRetry()
      } else if (ack && !ack.ok) {
        this.editRefused(ack.error || {}, entries)
      } else {
        this.refused = false
      }
      this.render()
    })
    this.render()
  }

  keepUnsent (entries) {
    this.unsent = true
    for (const id of entries) this.unsentEntries.add(id)
  }

  // Re-send everything the server may lack, computed afresh by re-joining.
  scheduleRetry () {
    if (this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (this.unsent && this.socket.connected) this.join()
    }, RETRY_MS)
  }

  editRefused (error, entryIds) {
    if (error.code === 'not_joined') {
      this.keepUnsent(entryIds)
      this.join()
      return
    }
    if (error.code === 'locked') {
      this.stage = 'locked'
      this.view.setEditable(false)
      for (const binding of this.bindings.values()) binding.setEditable(false)
      this.setEntries(this.entries)
    }
    this.refused = true
    const ids = entryIds.length ? entryIds : [...this.bindings.keys()]
    const texts = ids.filter(id => this.bindings.has(id)).map(id => ({
      label: lowerFirst(this.describe(id)),
      text: this.bindings.get(id).ytext.toString()
    }))
    const key = `edit:${ids.join(',')}`
    this.refusals.refusedEdit(key, error.message || 'The server did not accept your change.', texts)
  }

  applyRemote (base64) {
    if (!base64) return
    Y.applyUpdate(this.doc, fromBase64(base64), this)
  }

  remoteUpdate (message) {
    if (!message || message.forum !== this.forumId) return
    this.applyRemote(message.update)
  }

  noteRemoteEdits (transaction) {
    if (!this.joined || transaction.origin !== this) return
    for (const type of transaction.changed.keys()) {
      const id = this.textToEntry.get(type)
      if (id !== undefined) this.announceEdit(id)
    }
  }

  announceEdit (entryId) {
    this.announcer.edited(entryId, () => {
      if (!this.bindings.has(entryId)) return ''
      const who = this.presence.editing(entryId).map(p => p.name)
      const where = this.describe(entryId)
      return who.length === 1 ? `${who[0]} edited ${lowerFirst(where)}` : `${where} was edited`
    })
  }

  // ---- entries ----------------------------------------------------------------

  setEntries (entries) {
    this.entries = entries
    this.view.render(entries)
    this.updateTyping()
  }

  describe (entryId) {
    const view = this.view.view(entryId)
    return view ? view.description : 'An entry'
  }

  remoteEntries (message) {
    if (!message || message.forum !== this.forumId) return
    const change = message.change
    this.setEntries(message.entries || [])
    if (!change || !change.by || (this.me && change.by.name === this.me.name && change.by.agency === this.me.agency)) return
    const panel = this.panelsByKey.get(change.panel)
    const panelName = panel ? panel.name : 'a panel'
    const verb = { added: 'added an entry to', removed: 'removed an entry from', moved: 'moved an entry in' }[change.kind]
    if (verb) this.announcer.say(`${change.by.agency} ${verb} ${panelName}`)
  }

  add (panelKey, button) {
    if (!this.canEdit()) return
    if (!this.joined) return this.notConnected('add the entry')
    this.socket.timeout(ACK_TIMEOUT_MS).emit('entry:add', { forum: this.forumId, panel: panelKey }, (timeout, ack) => {
      if (timeout || !ack || !ack.ok) return this.actionRefused('add', timeout ? null : ack, 'The entry was not added.')
      if (!this.entries.some(e => e.id === ack.entry.id)) this.setEntries([...this.entries, ack.entry])
      const view = this.view.view(ack.entry.id)
      if (view) view.textarea.focus()
    })
  }

  remove (entryId) {
    if (!this.joined) return this.notConnected('remove the entry')
    const view = this.view.view(entryId)
    const siblings = view ? [...view.element.parentElement.children] : []
    const index = view ? siblings.indexOf(view.element) : -1
    const panel = view && view.panel
    this.socket.timeout(ACK_TIMEOUT_MS).emit('entry:remove', { forum: this.forumId, entry: entryId }, (timeout, ack) => {
      if (timeout || !ack || !ack.ok) return this.actionRefused('remove', timeout ? null : ack, 'The entry was not removed.')
      if (this.entries.some(e => e.id === entryId)) this.setEntries(this.entries.filter(e => e.id !== entryId))
      if (!panel) return
      // Focus moves to the next entry, else the previous one, else the Add button.
      const rest = [...panel.list.children]
      const next = rest[Math.min(index, rest.length - 1)]
      const target = next ? next.querySelector('textarea') : panel.add
      if (target) target.focus()
      this.announcer.say(`Entry removed from ${panel.name}`)
    })
  }

  move (entryId, direction, button) {
    if (!this.joined) return this.notConnected('move the entry')
    const before = this.indexInPanel(entryId)
    this.socket.timeout(ACK_TIMEOUT_MS).emit('entry:move', { forum: this.forumId, entry: entryId, direction }, (timeout, ack) => {
      if (timeout || !ack || !ack.ok) return this.actionRefused('move', timeout ? null : ack, 'The entry was not moved.')
      // Unless the server's `entries` list has already shown the move, show it now.
      if (this.indexInPanel(entryId) === before) this.setEntries(this.locallyMoved(entryId, direction))
      const view = this.view.view(entryId)
      if (!view) return
      const same = view.buttons[direction].element
      const other = view.buttons[direction === 'up' ? 'down' : 'up'].element
      ;(same.disabled ? other : same).focus()
      this.announcer.say(`Moved: now ${lowerFirst(view.description)}`)
    })
  }

  indexInPanel (entryId) {
    const view = this.view.view(entryId)
    return view ? [...view.element.parentElement.children].indexOf(view.element) : -1
  }

  // The order after a move, until the server's `entries` list confirms it.
  locallyMoved (entryId, direction) {
    const entry = this.entries.find(e => e.id === entryId)
    if (!entry) return this.entries
    const panel = this.entries.filter(e => e.panel === entry.panel).sort((a, b) => a.position - b.position || a.id - b.id)
    const from = panel.indexOf(entry)
    const to = direction === 'up' ? from - 1 : from + 1
    if (to < 0 || to >= panel.length) return this.entries
    const ordered = panel.slice()
    ordered.splice(from, 1)
    ordered.splice(to, 0, entry)
    const positions = new Map(ordered.map((e, i) => [e.id, i]))
    return this.entries.map(e => positions.has(e.id) ? { ...e, position: positions.get(e.id) } : e)
  }

  actionRefused (kind, ack, fallback) {
    const error = (ack && ack.error) || {}
    const message = error.message || (ack ? fallback : `${fallback} The server did not answer in time; try again.`)
    this.refusals.problem(`action:${kind}`, 'Your change was not saved', message)
  }

  notConnected (what) {
    this.refusals.problem('offline-action', 'Not connected', `You cannot ${what} while the connection is lost. Try again when the page shows "Saved".`)
  }

  // ---- presence and focus -----------------------------------------------------

  remotePresence (message) {
    // Before the join acknowledgement (which carries the presence list) there is nobody to compare with.
    if (!message || message.forum !== this.forumId || !this.joined) return
    this.presence.update(message.people || [])
    this.updateTyping()
  }

  updateTyping () {
    for (const id of this.bindings.keys()) {
      const view = this.view.view(id)
      if (view) view.setTyping(this.presence.typingMessage(id))
    }
  }

  focusedEntry () {
    const active = document.activeElement
    return active && active.dataset && active.dataset.entry && this.root.contains(active) ? Number(active.dataset.entry) : null
  }

  focusChanged () {
    clearTimeout(this.focusTimer)
    this.focusTimer = setTimeout(() => this.sendFocus(this.focusedEntry()), FOCUS_SETTLE_MS)
  }

  sendFocus (entryId) {
    if (!this.joined || !this.canEdit() || entryId === this.sentFocus) return
    this.sentFocus = entryId
    this.socket.emit('focus', { forum: this.forumId, entry: entryId }, () => {})
  }

  // ---- save state ---------------------------------------------------------------

  computeState () {
    if (this.state === 'closed') return 'closed'
    if (!this.socket.connected || !this.joined) return this.me ? 'reconnecting' : 'connecting'
    if (this.inflight.size || this.unsent) return 'unsaved'
    if (this.refused) return 'refused'
    return 'saved'
  }

  status () {
    return STATUS_TEXT[this.computeState()]
  }

  render () {
    const state = this.computeState()
    // A save that takes a moment is normal: say "Not yet saved" only if it lasts,
    // so screen readers do not hear the status change on every keystroke.
    if (state === 'unsaved' && this.shownState === 'saved') {
      if (!this.statusTimer) {
        this.statusTimer = setTimeout(() => {
          this.statusTimer = null
          this.showState(this.computeState())
        }, SHOW_UNSAVED_AFTER_MS)
      }
      return
    }
    clearTimeout(this.statusTimer)
    this.statusTimer = null
    this.showState(state)
  }

  showState (state) {
    if (state === this.shownState) return
    this.shownState = state
    const element = this.statusElement
    element.textContent = STATUS_TEXT[state]
    element.className = 'forum-status ' + {
      saved: 'forum-status--saved',
      unsaved: 'forum-status--not-saved',
      refused: 'forum-status--not-saved',
      reconnecting: 'forum-status--reconnecting',
      connecting: 'forum-status--reconnecting',
      closed: 'forum-status--not-saved'
    }[state]
    element.dataset.state = state
  }
}
