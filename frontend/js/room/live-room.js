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
const RETRY_MAX_MS = 15000
const SYNC_INTERVAL_MS = 5000 // re-sync by state vector: what reached the server by another way arrives
const FOCUS_SETTLE_MS = 150
// Updates leave at most this often: a keystroke after a pause goes at once, the keys of a fast typist
// within it travel together, so a quick network and server (acks back within milliseconds) still
// see a few updates a second, well under the server's event limit.
const SEND_EVERY_MS = 150
// Refusals that pass: the change is sent again (merged with what was typed since), never dropped.
const TRANSIENT = new Set(['rate_limited', 'server_error', 'unavailable'])
// Refusals that ask for a sync: join again, which sends everything the server lacks.
const RESYNC = new Set(['not_joined', 'out_of_sync'])
// Refusals that stand until the author signs in again: the text is kept and sent after the next join.
const KEEP = new Set(['signed_out'])
// Any other refusal is final: the change is taken out of the document (kept in a notice to copy).
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
    this.present = root.hasAttribute('data-present') // the read-only view for a shared screen
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
    this.inflight = null // the one update waiting for its acknowledgement: { entries }
    this.lastSentAt = 0 // Date.now() of the last update sent (see SEND_EVERY_MS)
    this.spacing = null // the timer that sends what waits once SEND_EVERY_MS has passed
    this.outbox = [] // local updates typed since, sent merged when the one in flight is answered
    this.outboxEntries = new Set() // the binding keys they touched
    this.retryDelay = RETRY_MS
    this.unsent = false // local changes the server has not got (offline, or to retry)
    this.unsentEntries = new Set() // the binding keys those changes touched
    this.refused = false
    this.rebuilding = false
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
      actions: EDIT_ROLES.has(this.role) && !this.present // shown disabled while locked, so a reopen brings them back
        ? { up: id => this.entryActions.move(id, 'up'), down: id => this.entryActions.move(id, 'down'), remove: id => this.entryActions.remove(id), spotlight: id => this.facilitation.spotlight(`entry:${id}`) }
        : null,
      onAdd: panel => this.entryActions.add(panel),
      onFocus: id => this.focusChanged(id),
      bind: (id, textarea) => this.bind(id, textarea),
      unbind: id => this.unbind(id)
    })
    for (const [key, panel] of this.view.panels) this.panelsByKey.set(key, panel)

    this.watchDoc()
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
    setInterval(() => this.sync(), SYNC_INTERVAL_MS)
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.sync() })
  }

  watchDoc () {
    this.doc.on('update', (update, origin, doc, transaction) => this.localUpdate(update, origin, transaction))
  }

  canEdit () {
    return !this.present && EDIT_ROLES.has(this.role) && this.stage !== 'locked' && this.stage !== 'agree' && !this.rebuilding // Agree: frozen
  }

  // The stage or this user's role changed (facilitation state, chair handover, lock), or the
  // document is being rebuilt after a refusal (nothing may be typed until the server's is back).
  setAccess (stage, role, force = false) {
    if (stage === this.stage && role === this.role && !force) return
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
      const wasRebuilding = this.rebuilding
      this.rebuilding = false
      this.refusals.clear('connection')
      this.refusals.clear('offline-action') // connected again: those notices no longer hold
      this.me = ack.me
      this.presence.me = ack.me.user
      this.applyRemote(ack.update)
      this.entries = ack.entries || []
      this.attribution.joined(ack)
      this.removals.joined(ack)
      this.setAccess(ack.forum && ack.forum.stage, ack.me.role, wasRebuilding)
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
  catchUpServer (serverSv) {
    const entries = [...this.unsentEntries, ...this.outboxEntries]
    this.outbox = []
    this.outboxEntries.clear()
    this.unsent = false
    this.unsentEntries.clear()
    // Sent even by someone who can no longer write (locked meanwhile, or now an observer): the
    // server's refusal is what tells its author, with the text kept in a notice.
    const missing = Y.encodeStateAsUpdate(this.doc, fromBase64(serverSv))
    if (!isEmptyUpdate(missing)) this.send(missing, entries)
  }

  // The periodic re-sync: apply what the server has that this page lacks (an update whose broadcast
  // never came), and send what it lacks if nothing is on its way.
  sync () {
    if (!this.joined || !this.socket.connected || this.inflight || this.outbox.length) return
    const generation = this.generation
    const sv = toBase64(Y.encodeStateVector(this.doc))
    this.socket.timeout(ACK_TIMEOUT_MS).emit('sync', { forum: this.forumId, sv }, (timeout, ack) => {
      if (timeout || generation !== this.generation || !ack || !ack.ok) return
      this.applyRemote(ack.update)
      if (EDIT_ROLES.has(this.role) && this.stage !== 'locked' && !this.inflight && !this.outbox.length) {
        const missing = Y.encodeStateAsUpdate(this.doc, fromBase64(ack.sv))
        if (!isEmptyUpdate(missing)) this.send(missing, [])
      }
    })
  }

  // Start again from the server's document: after a final refusal the refused change must not stay
  // in this page's document, or the next sync would offer it again. A new Y.Doc has a new client id.
  rebuild () {
    this.rebuilding = true
    this.setAccess(this.stage, this.role, true)
    const old = this.doc
    this.doc = new Y.Doc()
    this.watchDoc()
    this.attribution.watch(this.doc)
    for (const [key, binding] of [...this.bindings]) {
      const textarea = binding.textarea
      binding.destroy()
      this.textToEntry.delete(binding.ytext)
      this.bind(key, textarea)
    }
    old.destroy()
    this.inflight = null
    this.outbox = []
    this.outboxEntries.clear()
    this.unsent = false
    this.unsentEntries.clear()
    if (this.socket.connected) this.join()
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
    if (this.inflight) this.keepUnsent(this.inflight.entries)
    this.inflight = null
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
    if (this.joined) {
      this.outbox.push(update)
      for (const key of entries) this.outboxEntries.add(key)
      this.flush()
    } else this.keepUnsent(entries)
    this.render()
  }

  // One update in flight: what is typed meanwhile waits and goes as one merged update, so fast
  // typing sends a few updates a second, not one per key (and is not rate limited).
  flush () {
    if (!this.joined || this.inflight || !this.outbox.length || this.retryTimer || this.spacing) return
    const wait = this.lastSentAt + SEND_EVERY_MS - Date.now()
    if (wait > 0) {
      this.spacing = setTimeout(() => { this.spacing = null; this.flush() }, wait)
      return
    }
    const update = this.outbox.length === 1 ? this.outbox[0] : Y.mergeUpdates(this.outbox)
    const entries = [...this.outboxEntries]
    this.outbox = []
    this.outboxEntries.clear()
    this.send(update, entries)
  }

  send (update, entries) {
    const generation = this.generation
    this.inflight = { entries }
    this.lastSentAt = Date.now()
    this.socket.timeout(ACK_TIMEOUT_MS).emit('update', { forum: this.forumId, update: toBase64(update) }, (timeout, ack) => {
      if (generation !== this.generation) return // the re-join sync covers it
      this.inflight = null
      const code = ack && !ack.ok ? (ack.error && ack.error.code) : null
      if (timeout || TRANSIENT.has(code)) {
        this.outbox.unshift(update) // sent again, merged with what was typed since
        for (const key of entries) this.outboxEntries.add(key)
        this.scheduleRetry()
      } else if (RESYNC.has(code)) {
        this.keepUnsent(entries)
        this.join()
      } else if (code) {
        this.editRefused(ack.error || {}, entries)
      } else {
        this.refused = false
        this.retryDelay = RETRY_MS
        this.flush()
      }
      this.render()
    })
    this.render()
  }

  keepUnsent (entries) {
    this.unsent = true
    for (const id of entries) this.unsentEntries.add(id)
  }

  // Send again after a pause that grows while the server keeps refusing.
  scheduleRetry () {
    if (this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.flush()
      this.render()
    }, this.retryDelay)
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS)
  }

  editRefused (error, entryIds) {
    if (error.code === 'locked') this.setAccess('locked', this.role)
    this.refused = true
    // A final refusal takes every change not yet saved out of the document: show all of them.
    const touched = KEEP.has(error.code) ? entryIds : [...new Set([...entryIds, ...this.outboxEntries, ...this.unsentEntries])]
    const ids = touched.length ? touched : [...this.bindings.keys()]
    const texts = ids.filter(id => this.bindings.has(id)).map(id => ({
      label: lowerFirst(this.describe(id)),
      text: this.bindings.get(id).ytext.toString()
    }))
    const key = `edit:${ids.join(',')}`
    this.refusals.refusedEdit(key, error.message || 'The server did not accept your change.', texts)
    if (KEEP.has(error.code)) this.keepUnsent(entryIds)
    else this.rebuild()
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
      view.setTyping(this.attribution.typingMessage(`entry:${id}`), this.attribution.whereTyping(`entry:${id}`))
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
    if (this.inflight || this.outbox.length || this.unsent) return 'unsaved'
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
