// Always visible: the current stage ("Stage 2 of 6: Hypothesis"), the stage
// timer (kept by the server, shown from its state) and who chairs. The chair
// also gets Previous / Next stage (moving forward asks in the page first),
// timer start / pause / reset, and handing the chair to another participant.
import { h } from './dom.js'
import { STAGES, stageLabel, stageName } from './facilitation-stages.js'
import { button, buttonGroup, formatDate, personName, selectField, setMore, setOptions } from './facilitation-dom.js'

const ROLE_NAMES = { chair: 'chair', contributor: 'contributor', observer: 'observer' }

function clock (seconds) {
  const s = Math.max(0, Math.floor(seconds))
  const hours = Math.floor(s / 3600)
  const mm = String(Math.floor((s % 3600) / 60)).padStart(hours ? 2 : 1, '0')
  const ss = String(s % 60).padStart(2, '0')
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`
}

export class StageBar {
  constructor (facilitation, root) {
    this.f = facilitation
    this.label = root.querySelector('[data-stage-label]')
    this.timer = root.querySelector('[data-timer]')
    this.timerState = root.querySelector('[data-timer-state]')
    this.chairLine = root.querySelector('[data-chair-line]')
    this.controls = root.querySelector('[data-chair-controls]')
    this.tick = null
    this.target = null // the stage the confirm panel asks about
    this.build()
  }

  build () {
    const f = this.f
    this.previous = button('Previous stage', () => this.move(-1), { key: 'stage-previous' })
    this.next = button('Next stage', () => this.move(1), { key: 'stage-next' })
    this.confirmTitle = h('h3', { class: 'govuk-heading-s', tabindex: '-1' })
    this.confirmYes = button('Yes, move on', () => this.confirm(), { secondary: false, key: 'stage-confirm' })
    this.confirmPanel = h('div', { class: 'forum-confirm', hidden: true, 'data-stage-confirm': '' }, [
      this.confirmTitle,
      h('p', { class: 'govuk-body', text: 'Everyone in the room will move with you, and the stage timer starts again from zero. You can come back with Previous stage.' }),
      buttonGroup([this.confirmYes, button('Cancel', () => this.cancel(), { key: 'stage-cancel' })])
    ])
    this.start = button('Start timer', () => f.act('timer:start', {}, 'Start the timer'), { key: 'timer-start' })
    this.pause = button('Pause timer', () => f.act('timer:pause', {}, 'Pause the timer'), { key: 'timer-pause' })
    this.reset = button('Reset timer', () => f.act('timer:reset', {}, 'Reset the timer'), { key: 'timer-reset' })
    const handover = selectField('Hand the chair to', [], { key: 'handover-select' })
    this.handoverSelect = handover.select
    this.handoverButton = button('Hand over the chair', () => this.handOver(), { key: 'handover' })
    this.startForum = button('Start the forum', () => this.startNow(), { key: 'forum-start', secondary: false })
    this.started = h('span', { class: 'forum-started', 'data-forum-started': '' })
    this.chairLine.after(this.started)
    this.present = h('a', { class: 'govuk-button govuk-button--secondary forum-bar__button', href: `${window.location.pathname}?present`, target: '_blank', 'data-present-link': '' }, [
      'Present mode', h('span', { class: 'govuk-visually-hidden', text: ' (opens a read-only view for a shared screen in a new tab)' })
    ])
    this.clearSpotlight = button('Clear spotlight', () => this.f.spotlight(null), { key: 'spotlight-clear', classes: 'forum-bar__button' })
    for (const control of [this.previous, this.next, this.start, this.pause, this.reset, this.handoverButton, this.startForum]) control.classList.add('forum-bar__button')
    this.controls.replaceChildren(
      h('h2', { class: 'forum-chair-controls__title', text: "Chair's controls" }),
      h('div', { class: 'forum-chair-controls__row' }, [
        this.startForum,
        h('div', { class: 'forum-bar__group', role: 'group', 'aria-label': 'Stage' }, [this.previous, this.next]),
        h('div', { class: 'forum-bar__group', role: 'group', 'aria-label': 'Stage timer' }, [this.start, this.pause, this.reset]),
        h('div', { class: 'forum-bar__group' }, [this.present, this.clearSpotlight]),
        h('div', { class: 'forum-handover' }, [handover.group, this.handoverButton])
      ]),
      this.confirmPanel
    )
  }

  render (state) {
    const stage = state.stage
    const index = STAGES.indexOf(stage)
    this.label.textContent = stageLabel(stage)
    const me = this.f.myRole()
    this.chairLine.textContent = `Chair: ${state.chair ? personName(state.chair) : 'nobody'} · Your role: ${ROLE_NAMES[me] || me}`
    this.renderTimer()
    clearInterval(this.tick)
    this.tick = state.timer.running ? setInterval(() => this.renderTimer(), 1000) : null

    this.started.textContent = state.started_at
      ? ` · The forum started at ${formatDate(state.started_at, { time: true })}.`
      : ' · The forum has not started: entries added now are written input before the forum.'
    const chair = this.f.isChair()
    this.controls.hidden = !chair
    this.startForum.hidden = Boolean(state.started_at)
    if (!chair) return
    const before = STAGES[index - 1]
    const after = STAGES[index + 1]
    this.previous.disabled = index <= 0
    setMore(this.previous, before ? `: back to ${stageName(before)}` : '')
    // The Locked stage is reached only by locking the plan (in Agree).
    this.next.disabled = !after || after === 'locked'
    setMore(this.next, after && after !== 'locked' ? `: ${stageName(after)}` : '')
    if (this.target && this.target !== after) this.hideConfirm()
    this.start.disabled = state.timer.running
    this.pause.disabled = !state.timer.running
    const others = state.participants.filter(p => p.user !== this.f.userId && p.role !== 'observer')
    const chosen = this.handoverSelect.value
    setOptions(this.handoverSelect, [{ value: '', text: 'Choose a participant' }, ...others.map(p => ({ value: String(p.user), text: personName(p) }))],
      others.some(p => String(p.user) === chosen) ? chosen : '')
    this.handoverButton.disabled = others.length === 0
    this.clearSpotlight.hidden = !state.spotlight
  }

  // Seconds on the stage timer now: elapsed, plus the running time by the server's clock.
  seconds () {
    const timer = this.f.state.timer
    let seconds = timer.elapsed
    if (timer.running && timer.started_at) seconds += (Date.now() + this.f.clockOffset - Date.parse(timer.started_at)) / 1000
    return seconds
  }

  renderTimer () {
    if (!this.f.state) return
    this.timer.textContent = clock(this.seconds())
    this.timerState.textContent = this.f.state.timer.running ? '(running)' : '(paused)'
  }

  move (step) {
    const stage = STAGES[STAGES.indexOf(this.f.stage) + step]
    if (!stage || stage === 'locked') return
    if (step < 0) {
      this.hideConfirm()
      this.f.act('stage:set', { stage }, 'Change the stage')
      return
    }
    this.target = stage
    this.confirmTitle.textContent = `Move everyone to ${stageLabel(stage)}?`
    this.confirmYes.textContent = `Yes, move to ${stageName(stage)}`
    this.confirmPanel.hidden = false
    this.confirmTitle.focus()
  }

  async confirm () {
    const stage = this.target
    if (!stage) return
    const ack = await this.f.act('stage:set', { stage, confirm: true }, 'Change the stage')
    this.hideConfirm()
    if (ack.ok) this.f.room.announcer.say(`Moved to ${stageLabel(stage)}`)
    ;(this.next.disabled ? this.previous : this.next).focus()
  }

  cancel () {
    this.hideConfirm()
    this.next.focus()
  }

  hideConfirm () {
    this.target = null
    this.confirmPanel.hidden = true
  }

  async startNow () {
    const ack = await this.f.act('forum:start', {}, 'Start the forum')
    if (!ack.ok) return
    this.f.room.announcer.say('The forum has started')
    this.started.setAttribute('tabindex', '-1')
    this.started.focus()
  }

  async handOver () {
    const user = Number(this.handoverSelect.value)
    if (!user) {
      this.f.room.refusals.problem('facilitation:chair:handover', 'Hand over the chair: not done', 'Choose who will chair from the list first.')
      this.handoverSelect.focus()
      return
    }
    const ack = await this.f.act('chair:handover', { user }, 'Hand over the chair')
    if (ack.ok) {
      const person = this.f.participant(user)
      this.f.room.announcer.say(`${person ? person.name : 'They'} is now the chair`)
      this.chairLine.setAttribute('tabindex', '-1')
      this.chairLine.focus()
    }
  }
}
