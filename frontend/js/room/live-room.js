// The live room client: Socket.IO namespace /forum (docs/protocol.md), a
// Y.Doc with one Y.Text per entry (and per plan text), save state,
// reconnection, presence and announcements. Text bindings are keyed by entry
// id (a number) or, for the plan's texts, by root name (a string).
import * as Y from 'yjs'
import { io } from 'socket.io-client'
import { toBase64, fromBase64 } from './base64.js'
import { TextBinding } from './text-binding.js'
import { EntriesView } from './entries-view.js'
import { Presence } from './presence.js'
import { Announcer } from './announcer.js'
import { Refusals } from './refusals.js'
import { SaveState } from './save-state.js'
import { EntryActions } from './entry-actions.js'
import { Facilitation } from './facilitation.js'
import { Attribution } from './attribution.js'
import { Removals } from './removals.js'

const ACK_TIMEOUT_MS = 15000
const RETRY_MS = 1500
const FOCUS_SETTLE_MS = 150
const TRANSIENT = new Set(['rate_limited', 'server_error'])
const EDIT_ROLES = new Set(['chair', 'contributor'])

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
    this.bindings = new Map() // entry id or root name -> TextBinding
    this.textToEntry = new Map() // Y.Text -> entry id or root name
    this.rootLabels = new Map() // root name -> what it is ("The hypothesis")
    this.entries = []
    this.panelsByKey = new Map()
    this.me = null
    this.joined = false
    this.stage = root.dataset.stage
    this.generation = 0
    this.inflight = new Map() // ack id -> binding keys changed in that update
    this.nextAck = 0
    this.unsent = false // local changes the server has not got (offline, or to retry)
    this.unsentEntries = new Set() // the binding keys those changes touched
    this.refused = false
    this.focusTimer = null
    this.sentFocus = undefined
    this.state = 'connecting'

    this.saveState = new SaveState(root.querySelector('[data-status]'), () => this.computeState())
    this.entryActions = new EntryActions(this)
    this.announcer = new Announcer(root.querySelector('[data-announcer]'))
    this.refusals = new Refusals(root.querySelector('[data-problems]'))
    this.presence = new Presence(root.querySelector('[data-presence]'), this.announcer)
    this.view = new EntriesView(root, {
      editable: this.canEdit(),
      actions: EDIT_ROLES.has(this.role) // shown disabled while locked, so a reopen brings them back
        ? { up: id => this.entryActions.move(id, 'up'), down: id => this.entryActions.move(id, 'down'), remove: id => this.entryActions.remove(id) }
        : null,
      onAdd: panel => this.entryActions.add(panel),
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
    this.attribution = new Attribution(this)
    this.removals = new Removals(this, root.querySelector('[data-removed]'), root.querySelector('[data-removal-notices]'))
    this.facilitation = new Facilitation(this, root)
    window.addEventListener('pagehide', () => {
      if (this.joined) this.socket.emit('leave', { forum: this.forumId })
    })
    this.render()
    this.socket.connect()
  }

  canEdit () {
    return EDIT_ROLES.has(this.role) && this.stage !== 'locked' && this.stage !== 'agree' // Agree: frozen
  }

  // The stage or this user's role changed (facilitation state, chair handover, lock).
  setAccess (stage, role) {
    if (stage === this.stage && role === this.role) return
    this.stage = stage
    this.role = role
    const editable = this.canEdit()
    this.view.setEditable(editable)
    for (const binding of this.bindings.values()) binding.setEditable(editable)
    this.setEntries(this.entries)
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
      this.presence.me = ack.me.user
      this.applyRemote(ack.update)
      this.entries = ack.entries || []
      this.attribution.joined(ack)
      this.removals.joined(ack)
      this.setAccess(ack.forum && ack.forum.stage, ack.me.role)
      this.setEntries(this.entries)
      this.facilitation.joined(ack.me)
      this.presence.update(ack.presence || [], { announce: false })
      this.updateTyping()
      this.catchUpServer(ack.sv)
      this.sentFocus = undefined
      this.sendFocus(this.focusedEntry())
      this.render()
    })
  }

  // Send the server whatever it lacks (edits made while away, or refused to retry).
  // Edits made while away are sent even if the forum was locked meanwhile: the
  // server's refusal is what tells their author, with the text kept.
  catchUpServer (serverSv) {
    if (!EDIT_ROLES.has(this.role)) {
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

  bind (key, textarea) {
    const ytext = this.doc.getText(typeof key === 'string' ? key : `entry:${key}`)
    this.textToEntry.set(ytext, key)
    const binding = new TextBinding(ytext, textarea, { origin: this.origin, editable: this.canEdit() })
    this.bindings.set(key, binding)
  }

  // A plan text (hypothesis, goal, action, family communication) in a textarea.
  bindRoot (root, textarea, label) {
    this.rootLabels.set(root, label)
    this.bind(root, textarea)
    this.attribution.attach(root, textarea)
  }

  unbindRoot (root) {
    this.unbind(root)
    this.rootLabels.delete(root)
  }

  // The text of an entry or root, as it is now in this client's document.
  textOf (root) {
    return this.doc.share.has(root) ? this.doc.getText(root).toString() : ''
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
    this.facilitation.textsChanged()
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
    if (error.code === 'locked') this.setAccess('locked', this.role)
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

  announceEdit (key) {
    this.announcer.edited(key, () => {
      if (!this.bindings.has(key)) return ''
      const who = typeof key === 'number' ? this.presence.editing(key).map(p => p.name) : []
      const where = this.describe(key)
      return who.length === 1 ? `${who[0]} edited ${lowerFirst(where)}` : `${where} was edited`
    })
  }

  // ---- entries ----------------------------------------------------------------

  setEntries (entries) {
    this.entries = entries
    this.view.render(entries)
    this.updateTyping()
    this.facilitation.entriesChanged()
  }

  describe (key) {
    if (typeof key === 'string') return this.rootLabels.get(key) || 'A shared text'
    const view = this.view.view(key)
    return view ? view.description : 'An entry'
  }

  remoteEntries (message) {
    if (!message || message.forum !== this.forumId) return
    const change = message.change
    this.setEntries(message.entries || [])
    if (!change || !change.by || (this.me && change.by.name === this.me.name && change.by.agency === this.me.agency)) return
    const panel = this.panelsByKey.get(change.panel)
    const panelName = panel ? panel.name : 'a panel'
    const verb = { added: 'added an entry to', removed: 'removed an entry from', moved: 'moved an entry in', restored: 'restored an entry to' }[change.kind]
    if (verb) this.announcer.say(`${change.by.agency} ${verb} ${panelName}`)
  }

  // ---- presence and focus -----------------------------------------------------

  remotePresence (message) {
    // Before the join acknowledgement (which carries the presence list) there is nobody to compare with.
    if (!message || message.forum !== this.forumId || !this.joined) return
    this.presence.update(message.people || [])
    this.updateTyping()
  }

  updateTyping () {
    for (const id of this.view.views.keys()) {
      const view = this.view.view(id)
      if (!view) continue
      view.setTyping(this.attribution.typingMessage(`entry:${id}`))
      if (view.entry) view.setCredit(this.attribution.line(`entry:${id}`, view.entry.author))
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
    return this.saveState.text()
  }

  render () {
    this.saveState.render()
  }
}
