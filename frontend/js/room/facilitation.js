// The facilitated forum in the room: follows the server's `facilitation` state
// (docs/protocol.md) and shows the stage bar and the work of each stage.
// Every decision is a server event; the views only send and re-render.
import { h } from './dom.js'
import { StageBar } from './stage-bar.js'
import { HypothesisView } from './hypothesis.js'
import { PrioritiseView } from './prioritise.js'
import { PlanView } from './plan.js'
import { AgreeView } from './agree.js'
import { LockedView } from './locked.js'
import { describeChanges } from './facilitation-changes.js'
import { Board } from './board.js'
import { PresentView } from './present.js'
import { Spotlight } from './spotlight.js'

const ACK_TIMEOUT_MS = 15000
const TEXT_SETTLE_MS = 300
const WRITERS = new Set(['chair', 'contributor'])

export class Facilitation {
  constructor (room, root) {
    this.room = room
    this.root = root
    this.userId = Number(root.dataset.userId)
    this.state = null
    this.pending = new Map() // event family ("vote", "stage"…) -> own changes in flight
    this.textTimer = null
    this.accessNote = root.querySelector('[data-access-note]')

    const container = root.querySelector('[data-facilitation]')
    const section = (stage, title) => {
      const titleId = `forum-stage-${stage}-title`
      const body = h('div', { class: 'forum-stage-section__body' })
      const element = h('section', { class: 'forum-stage-section', 'aria-labelledby': titleId, 'data-stage-section': stage, hidden: true }, [
        h('h2', { class: 'govuk-heading-l', id: titleId, tabindex: '-1', text: title }), body
      ])
      container.append(element)
      return { element, body }
    }
    this.bar = new StageBar(this, root)
    this.sections = {
      hypothesis: section('hypothesis', 'Hypothesis: what keeps it going'),
      prioritise: section('prioritise', 'Prioritise: vote and confirm'),
      plan: section('plan', 'Plan: goals and actions'),
      agree: section('agree', 'Agree: lead worker and stances'),
      locked: section('locked', 'Locked plan')
    }
    this.board = new Board(this, root)
    this.spotlighting = new Spotlight(this, root)
    this.views = [
      this.bar,
      new HypothesisView(this, this.sections.hypothesis.body),
      new PrioritiseView(this, this.sections.prioritise.body),
      new PlanView(this, this.sections.plan.body),
      new AgreeView(this, this.sections.agree.body),
      new LockedView(this, this.sections.locked.body)
    ]
    if (room.present) this.views.push(new PresentView(this, root.querySelector('[data-present-view]')))
    room.socket.on('facilitation', state => this.receive(state))
  }

  // ---- who I am -------------------------------------------------------------

  get forumId () { return this.room.forumId }

  get stage () { return this.state ? this.state.stage : this.room.stage }

  myRole () {
    const me = this.state && this.state.participants.find(p => p.user === this.userId)
    return me ? me.role : this.room.role
  }

  isChair () { return this.myRole() === 'chair' && this.stage !== 'locked' }

  canWrite () { return WRITERS.has(this.myRole()) && this.stage !== 'locked' }

  participant (userId) {
    return this.state && this.state.participants.find(p => p.user === userId)
  }

  // Chair and contributors: the people who can own an action or be lead worker.
  writers () {
    return this.state ? this.state.participants.filter(p => WRITERS.has(p.role)) : []
  }

  // Entries of a panel, in order, with their text as it is now.
  entriesOf (panel) {
    return this.room.entries
      .filter(e => e.panel === panel)
      .sort((a, b) => a.position - b.position || a.id - b.id)
      .map((e, index) => ({ ...e, number: index + 1, text: this.room.textOf(`entry:${e.id}`) }))
  }

  entryText (entryId) {
    return this.room.textOf(`entry:${entryId}`)
  }

  // ---- sending ----------------------------------------------------------------

  // Send one facilitation event; resolves with the acknowledgement (never rejects).
  send (event, payload = {}) {
    const family = event.split(':')[0]
    if (!this.room.joined) {
      return Promise.resolve({ ok: false, error: { code: 'not_joined', message: 'You are not connected to the live forum just now. Try again when the page shows "Saved".' } })
    }
    this.pending.set(family, (this.pending.get(family) || 0) + 1)
    return new Promise(resolve => {
      this.room.socket.timeout(ACK_TIMEOUT_MS).emit(event, { forum: this.forumId, ...payload }, (timeout, ack) => {
        this.pending.set(family, this.pending.get(family) - 1)
        if (timeout || !ack) resolve({ ok: false, error: { code: 'timeout', message: 'The server did not answer in time; try again.' } })
        else resolve(ack)
      })
    })
  }

  // Send, and show a refusal in the room's problems area; resolves with the ack.
  async act (event, payload, what) {
    const ack = await this.send(event, payload)
    if (ack.ok) this.room.refusals.clear(`facilitation:${event}`)
    else this.room.refusals.problem(`facilitation:${event}`, `${what}: not done`, ack.error.message || 'The server refused the change.')
    return ack
  }

  // The chair spotlights one entry, goal or action ("entry:12"), or clears it (null).
  spotlight (target) {
    return this.act('spotlight', { target }, target ? 'Spotlight' : 'Clear the spotlight')
  }

  // ---- following the server ---------------------------------------------------------

  receive (state) {
    if (!state || state.forum !== this.forumId) return
    const before = this.state
    this.state = state
    this.clockOffset = Date.parse(state.timer.now) - Date.now()
    const own = family => (this.pending.get(family) || 0) > 0
    if (before && this.room.joined) {
      for (const change of describeChanges(before, state, this)) {
        if (!own(change.family)) this.room.announcer.say(change.text)
      }
    }
    this.room.view.setChair(this.isChair())
    this.room.setAccess(state.stage, this.myRole())
    this.room.setEntries(this.room.entries)
    this.render()
    this.board.follow(before, state, own('stage'))
    this.spotlighting.update(state)
  }

  // The board shows one stage's work: that stage's section (Gather has none: it is the panels).
  showSections (stage) {
    if (!this.sections) return
    for (const [key, { element }] of Object.entries(this.sections)) element.hidden = key !== stage
  }

  joined () {
    this.render()
  }

  entriesChanged () {
    if (this.state) this.render()
  }

  // Entry texts appear in vote buttons and starting points: refresh once typing settles.
  textsChanged () {
    if (this.textTimer || !this.state) return
    this.textTimer = setTimeout(() => {
      this.textTimer = null
      for (const view of this.views) if (view.textsChanged) view.textsChanged()
    }, TEXT_SETTLE_MS)
  }

  render () {
    const stage = this.stage
    this.showSections(this.board.view)
    if (this.accessNote) {
      const note = stage === 'locked'
        ? 'The plan is locked, so nothing can change.'
        : WRITERS.has(this.myRole()) ? '' : 'You can read this forum as it happens. Observers cannot change it.'
      this.accessNote.textContent = note
      this.accessNote.hidden = !note
    }
    if (!this.state) return
    for (const view of this.views) view.render(this.state)
    this.spotlighting.apply()
  }
}
