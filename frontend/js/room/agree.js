// Agree stage: the lead worker (the chair nominates, the nominee accepts),
// each agency's stance (live for all), the principles check, and the lock.
import { h } from './dom.js'
import { button, buttonGroup, errorSummary, fieldError, formatDate, personName, radiosField, replaceKeepingFocus, selectField, setOptions, summaryList, textareaField } from './facilitation-dom.js'
import { LockPanel } from './agree-lock.js'
import { isTyping } from './board.js'

export const STANCES = [
  { value: 'agree', text: 'Agree' },
  { value: 'agree_with_concerns', text: 'Agree with concerns' },
  { value: 'object', text: 'Object' }
]
const STANCE_TEXT = Object.fromEntries(STANCES.map(s => [s.value, s.text]))
const ANSWERS = [{ value: 'yes', text: 'Yes' }, { value: 'partly', text: 'Partly' }, { value: 'no', text: 'No' }]
const ANSWER_TEXT = Object.fromEntries(ANSWERS.map(a => [a.value, a.text]))

export class AgreeView {
  constructor (facilitation, container) {
    this.f = facilitation
    this.lead = h('div', { 'data-lead-worker': '' })
    this.nominate = selectField('Nominate the lead worker', [], { key: 'lead-select', hintText: 'One family, one lead worker, one plan. The person named accepts in the room.' })
    this.nominateButton = button('Nominate', () => this.sendNomination(), { key: 'lead-nominate', secondary: false })
    this.nominateForm = h('div', { class: 'forum-chair-only' }, [this.nominate.group, this.nominateButton])
    this.stanceTable = h('div', { 'data-stances': '' })
    this.stanceForm = this.buildStanceForm()
    this.principles = h('div', { 'data-principles': '' })
    this.principleForms = new Map() // key -> form parts (chair only, built once)
    this.lockPanel = new LockPanel(facilitation)
    this.proposal = h('div', { class: 'forum-proposal', 'data-proposal': '' })
    container.replaceChildren(h('div', { class: 'forum-agree' }, [
      h('div', { class: 'forum-agree__main' }, [
        this.proposal,
        h('h3', { class: 'govuk-heading-m', id: 'forum-agree-lead-title', text: 'Lead worker' }), this.lead, this.nominateForm,
        h('h3', { class: 'govuk-heading-m', id: 'forum-agree-stances-title', text: 'Agreement by agency' }), this.stanceTable, this.stanceForm.element
      ]),
      h('div', { class: 'forum-agree__side' }, [
        h('h3', { class: 'govuk-heading-m', id: 'forum-agree-principles-title', text: 'Practice principles check' }), this.principles,
        this.lockPanel.element
      ])
    ]))
  }

  render (state) {
    this.renderRequests(state)
    this.renderProposal(state)
    this.renderLead(state)
    this.renderStances(state)
    this.renderPrinciples(state)
    this.lockPanel.render(state)
  }

  // ---- what the room asks of this person, in the notice area at the top ----------------

  renderRequests (state) {
    const area = this.f.root.querySelector('[data-requests]')
    if (!area) return
    const me = this.f.room.me
    const lead = state.lead_worker
    const asks = []
    if (state.stage === 'agree' && lead.nominee && lead.nominee.user === this.f.userId && !lead.on_proposal) {
      asks.push({ key: 'nomination', text: 'You are nominated as lead worker: accept or decline.', go: 'Answer', target: () => this.lead })
    }
    const mine = me && state.stances.find(s => s.agency === me.agency)
    if (state.stage === 'agree' && state.proposal && this.f.canWrite() && mine && !(mine.stance && mine.on_proposal)) {
      asks.push({ key: 'stance', text: `${mine.agency}’s stance on the proposal is needed.`, go: 'Give it', target: () => this.stanceForm.element })
    }
    const shown = [...area.children].map(c => c.dataset.request).join()
    if (shown === asks.map(a => a.key).join()) return
    area.replaceChildren(...asks.map(ask => {
      const go = button(ask.go, () => {
        this.f.board.show('agree')
        const target = ask.target()
        const control = target.querySelector('button, input') || target
        this.f.board.focus(control)
      }, { key: `request-${ask.key}`, more: `: ${ask.text}`, classes: 'forum-follow__go' })
      return h('p', { class: 'govuk-body forum-request', 'data-request': ask.key }, [h('strong', { text: ask.text }), ' ', go])
    }))
  }

  // ---- the proposal ------------------------------------------------------------------

  renderProposal (state) {
    const p = state.proposal
    if (!p) {
      this.proposal.replaceChildren()
      return
    }
    const count = (n, one, many) => `${n} ${n === 1 ? one : many}`
    const contains = [
      `${count(p.entries, 'entry', 'entries')} in the 6Ps`,
      p.hypothesis ? 'the hypothesis' : 'no hypothesis',
      count(p.priorities, 'priority', 'priorities'),
      count(p.goals, 'goal', 'goals'),
      count(p.actions, 'action', 'actions'),
      p.review_date ? `review on ${formatDate(p.review_date)}` : 'no review date',
      p.family_communication ? 'how the family will be told' : 'nothing yet on how the family will be told'
    ]
    this.proposal.replaceChildren(
      h('h3', { class: 'govuk-heading-m', text: 'The proposal' }),
      h('p', { class: 'govuk-body' }, [
        'Agencies agree to proposal ',
        h('code', { class: 'forum-hash', title: p.sha256, 'data-proposal-hash': p.sha256, text: p.short }),
        '. The draft is frozen while they do: the chair goes back a stage to change anything, and every stance must then be given again.'
      ]),
      h('p', { class: 'govuk-body', text: `It contains ${contains.join(', ')}.` })
    )
  }

  // ---- lead worker ------------------------------------------------------------------

  renderLead (state) {
    const lead = state.lead_worker
    const nominee = lead.nominee
    const status = !nominee
      ? 'Nobody has been nominated yet.'
      : lead.accepted_at && lead.on_proposal
        ? `${personName(nominee)}, accepted this proposal on ${formatDate(lead.accepted_at, { time: true })}.`
        : lead.accepted_at
          ? `${personName(nominee)} accepted an earlier draft and has not accepted this proposal yet.`
          : `${personName(nominee)} is nominated and has not accepted yet.`
    const children = [h('p', { class: 'govuk-body', 'data-lead-status': '', text: status })]
    if (nominee && nominee.user === this.f.userId && !lead.on_proposal && this.f.stage === 'agree') {
      children.push(h('div', { class: 'govuk-inset-text' }, [
        h('p', { class: 'govuk-body', text: 'You have been nominated as lead worker for this family. Do you accept?' }),
        buttonGroup([
          button('Accept', () => this.answerNomination('lead:accept'), { key: 'lead-accept', secondary: false, more: ' being lead worker' }),
          button('Decline', () => this.answerNomination('lead:decline'), { key: 'lead-decline', more: ' being lead worker' })
        ])
      ]))
    }
    replaceKeepingFocus(this.lead, children)
    // A nomination asks this person to act: bring Accept into view (unless they are typing).
    const asked = children.length > 1
    if (asked && !this.asked && !isTyping(this.f.root)) {
      requestAnimationFrame(() => { // the list may have been rebuilt meanwhile: find it again
        const box = this.lead.querySelector('.govuk-inset-text')
        if (box) box.scrollIntoView({ block: 'center' })
      })
    }
    this.asked = asked
    this.nominateForm.hidden = !this.f.isChair()
    const chosen = this.nominate.select.value
    const people = this.f.writers()
    setOptions(this.nominate.select, [{ value: '', text: 'Choose a participant' }, ...people.map(p => ({ value: String(p.user), text: personName(p) }))],
      people.some(p => String(p.user) === chosen) ? chosen : nominee ? String(nominee.user) : '')
  }

  async sendNomination () {
    const user = Number(this.nominate.select.value)
    if (!user) {
      this.f.room.refusals.problem('facilitation:lead:nominate', 'Nominate: not done', 'Choose the lead worker from the list first.')
      this.nominate.select.focus()
      return
    }
    const ack = await this.f.act('lead:nominate', { user }, 'Nominate the lead worker')
    if (ack.ok) this.f.room.announcer.say(`${personName(this.f.participant(user))} nominated as lead worker`)
  }

  async answerNomination (event) {
    const ack = await this.f.act(event, {}, event === 'lead:accept' ? 'Accept' : 'Decline')
    if (!ack.ok) return
    this.f.room.announcer.say(event === 'lead:accept' ? 'You are the lead worker' : 'You declined being lead worker')
    this.lead.setAttribute('tabindex', '-1')
    this.lead.focus()
  }

  // ---- stances ------------------------------------------------------------------------

  buildStanceForm () {
    const radios = radiosField('Your agency’s stance', STANCES, { name: 'forum-stance', inline: true, onChange: () => this.showReason() })
    const reason = textareaField('Reason', { key: 'stance-reason', hintText: 'Needed if your agency agrees with concerns or objects.' })
    const summary = h('div', {})
    const submit = button('Record stance', () => this.sendStance(), { key: 'stance-record', secondary: false })
    const element = h('div', { class: 'forum-stance-form' }, [summary, radios.group, reason.group, submit])
    const form = { element, radios, reason, summary, submit, dirty: false }
    reason.textarea.addEventListener('input', () => { form.dirty = true })
    return form
  }

  showReason () {
    const form = this.stanceForm
    form.dirty = true
    form.reason.group.hidden = !['agree_with_concerns', 'object'].includes(form.radios.value())
  }

  renderStances (state) {
    const rows = state.stances.map(s => h('tr', { class: 'govuk-table__row', 'data-stance-agency': s.agency }, [
      h('th', { scope: 'row', class: 'govuk-table__header', text: s.agency }),
      h('td', { class: 'govuk-table__cell', 'data-stance-current': s.stance ? String(s.on_proposal) : '' }, s.stance
        ? [STANCE_TEXT[s.stance], s.on_proposal ? null : h('strong', { class: 'forum-tag forum-tag--stale', text: 'Given to an earlier draft: not counted' })]
        : ['Not recorded yet']),
      h('td', { class: 'govuk-table__cell', text: s.reason || '—' }),
      h('td', { class: 'govuk-table__cell', text: s.recorded_by ? s.recorded_by.name : '—' })
    ]))
    this.stanceTable.replaceChildren(h('table', { class: 'govuk-table' }, [
      h('caption', { class: 'govuk-table__caption govuk-visually-hidden', text: 'Stance of each attending agency' }),
      h('thead', { class: 'govuk-table__head' }, [h('tr', { class: 'govuk-table__row' }, ['Agency', 'Stance', 'Reason', 'Recorded by'].map(t => h('th', { scope: 'col', class: 'govuk-table__header', text: t })))]),
      h('tbody', { class: 'govuk-table__body' }, rows)
    ]))

    const me = this.f.room.me
    const mine = me && state.stances.find(s => s.agency === me.agency)
    const form = this.stanceForm
    form.element.hidden = !(this.f.canWrite() && mine && state.proposal)
    if (form.element.hidden) return
    form.radios.group.querySelector('legend').textContent = `Your agency’s stance (${mine.agency})`
    // Show what is recorded (someone from the same agency may change it) unless this user is mid-change.
    if (!form.dirty) {
      form.radios.set(mine.stance)
      if (document.activeElement !== form.reason.textarea) form.reason.textarea.value = mine.reason || ''
    }
    form.reason.group.hidden = !['agree_with_concerns', 'object'].includes(form.radios.value())
  }

  async sendStance () {
    const form = this.stanceForm
    const stance = form.radios.value()
    const reason = form.reason.textarea.value.trim()
    const errors = []
    if (!stance) errors.push({ text: 'Choose your agency’s stance', href: `#${form.radios.first().id}`, field: form.radios })
    else if (stance !== 'agree' && !reason) errors.push({ text: `Give a reason: ${stance === 'object' ? 'an objection' : 'agreeing with concerns'} needs one`, href: `#${form.reason.textarea.id}`, field: form.reason })
    fieldError(form.radios.group, form.radios.errorMessage, !stance ? errors[0].text : '')
    fieldError(form.reason.group, form.reason.errorMessage, stance && stance !== 'agree' && !reason ? errors[0].text : '')
    if (errors.length) {
      const summary = errorSummary('There is a problem', errors)
      form.summary.replaceChildren(summary)
      summary.focus()
      return
    }
    form.summary.replaceChildren()
    const ack = await this.f.act('stance:set', { stance, reason: stance === 'agree' ? null : reason }, 'Record the stance')
    if (ack.ok) {
      form.dirty = false
      this.f.room.announcer.say(`Stance recorded: ${STANCE_TEXT[stance]}`)
    }
  }

  // ---- principles -------------------------------------------------------------------------

  renderPrinciples (state) {
    const chair = this.f.isChair()
    if (!chair) {
      this.principles.replaceChildren(summaryList(state.principles.map(p => [
        p.question,
        p.answer ? `${ANSWER_TEXT[p.answer]}${p.note ? `: ${p.note}` : ''}` : 'Not answered yet'
      ])))
      this.principleForms.clear()
      return
    }
    if (!this.principleForms.size) {
      const forms = state.principles.map(p => this.buildPrinciple(p))
      this.principles.replaceChildren(h('p', { class: 'govuk-body', text: 'Ask the group each question and record the answer.' }), ...forms.map(f => f.element))
    }
    for (const p of state.principles) {
      const form = this.principleForms.get(p.key)
      if (!form || form.element.contains(document.activeElement)) continue
      form.radios.set(p.answer)
      form.note.textarea.value = p.note || ''
      form.saved.textContent = p.answer ? `Recorded: ${ANSWER_TEXT[p.answer]}` : 'Not answered yet'
    }
  }

  buildPrinciple (principle) {
    const radios = radiosField(principle.question, ANSWERS, { name: `forum-principle-${principle.key}`, inline: true })
    const note = textareaField('Note', { key: `principle-note-${principle.key}`, rows: 2, more: ` about: ${principle.question}`, hintText: principle.key === 'likely_to_achieve' ? 'If not likely, say why not.' : null })
    const saved = h('p', { class: 'govuk-hint' })
    const record = button('Record answer', () => this.sendPrinciple(principle.key), { key: `principle-${principle.key}`, more: `: ${principle.question}` })
    const element = h('div', { class: 'forum-principle', 'data-principle': principle.key }, [radios.group, note.group, saved, record])
    const form = { element, radios, note, saved }
    this.principleForms.set(principle.key, form)
    return form
  }

  async sendPrinciple (key) {
    const form = this.principleForms.get(key)
    const answer = form.radios.value()
    if (!answer) {
      this.f.room.refusals.problem('facilitation:principles:set', 'Record the answer: not done', 'Choose Yes, Partly or No first.')
      form.radios.first().focus()
      return
    }
    const ack = await this.f.act('principles:set', { key, answer, note: form.note.textarea.value.trim() }, 'Record the answer')
    if (ack.ok) {
      form.saved.textContent = `Recorded: ${ANSWER_TEXT[answer]}`
      this.f.room.announcer.say(`Answer recorded: ${ANSWER_TEXT[answer]}`)
    }
  }
}
