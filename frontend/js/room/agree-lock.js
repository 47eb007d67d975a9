// Locking the plan (chair): what is still missing, shown live to everyone; an
// override reason when an agency objects; a refusal lists every reason in a
// GOV.UK error summary.
import { h } from './dom.js'
import { button, errorSummary, fieldError, textareaField } from './facilitation-dom.js'

export class LockPanel {
  constructor (facilitation) {
    this.f = facilitation
    this.blockers = h('div', { 'data-lock-blockers': '' })
    this.summary = h('div', { 'data-lock-refusal': '' })
    this.override = textareaField('Reason to lock despite the objection', {
      key: 'lock-override',
      hintText: 'An agency objects. Record why the plan is locked anyway; it becomes part of the version.'
    })
    this.lockButton = button('Lock the plan', () => this.lock(), { key: 'lock', secondary: false })
    this.chair = h('div', { class: 'forum-chair-only' }, [
      h('p', { class: 'govuk-body', text: 'Locking makes this plan a numbered version that cannot change. A review can reopen it as a new version.' }),
      this.override.group, this.lockButton
    ])
    this.element = h('div', { class: 'forum-lock' }, [
      h('h3', { class: 'govuk-heading-m', id: 'forum-agree-lock-title', text: 'Lock the plan' }),
      this.blockers, this.summary, this.chair
    ])
  }

  render (state) {
    const blockers = state.lock_blockers
    this.blockers.replaceChildren(...(blockers.length
      ? [h('p', { class: 'govuk-body', text: 'Before the plan can be locked:' }),
          h('ul', { class: 'govuk-list govuk-list--bullet' }, blockers.map(b => h('li', { text: b.message })))]
      : [h('p', { class: 'govuk-body', text: 'Everything needed to lock the plan is in place.' })]))
    this.chair.hidden = !this.f.isChair()
    this.override.group.hidden = !state.stances.some(s => s.stance === 'object')
  }

  async lock () {
    const objection = !this.override.group.hidden
    const reason = this.override.textarea.value.trim()
    fieldError(this.override.group, this.override.errorMessage, '')
    const ack = await this.f.send('lock', { override_reason: objection && reason ? reason : null })
    if (ack.ok) {
      this.summary.replaceChildren()
      this.f.room.refusals.clear('facilitation:lock')
      this.f.room.announcer.say(`The plan is locked as version ${ack.version.number}`)
      const title = document.getElementById('forum-stage-locked-title')
      if (title) title.focus()
      return
    }
    const error = ack.error || {}
    const reasons = error.reasons && error.reasons.length ? error.reasons : [{ code: error.code, message: error.message || 'The plan was not locked.' }]
    const items = reasons.map(r => r.code === 'objection_needs_override'
      ? { text: r.message, href: `#${this.override.textarea.id}` }
      : { text: r.message })
    if (reasons.some(r => r.code === 'objection_needs_override')) {
      this.override.group.hidden = false
      fieldError(this.override.group, this.override.errorMessage, 'Record why the plan is locked despite the objection')
    }
    const summary = errorSummary('The plan cannot be locked yet', items)
    this.summary.replaceChildren(summary)
    summary.focus()
  }
}
