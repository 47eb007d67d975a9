// Locked: the room is read-only and shows the locked version (number, time,
// chair, lead worker, SHA-256) with a link to its page and downloads; the
// chair can reopen the forum for review, with a reason.
import { h } from './dom.js'
import { button, errorSummary, fieldError, formatDate, personName, summaryList, textareaField } from './facilitation-dom.js'

export class LockedView {
  constructor (facilitation, container) {
    this.f = facilitation
    this.version = h('div', { 'data-locked-version': '' })
    this.earlier = h('div', {})
    this.summary = h('div', {})
    this.reason = textareaField('Reason for reopening', { key: 'reopen-reason', hintText: 'For example, the review meeting, or a change in the family’s situation.' })
    this.reopenButton = button('Reopen for review', () => this.reopen(), { key: 'reopen' })
    this.chair = h('div', { class: 'forum-chair-only' }, [
      h('h3', { class: 'govuk-heading-m', text: 'Reopen for review' }),
      h('p', { class: 'govuk-body', text: 'Reopening starts the next version from this one. This version stays readable and unchanged.' }),
      this.summary, this.reason.group, this.reopenButton
    ])
    container.replaceChildren(this.version, this.earlier, this.chair)
  }

  render (state) {
    if (state.stage !== 'locked' || !state.versions.length) {
      this.chair.hidden = true
      return
    }
    const latest = state.versions.reduce((a, b) => (b.number > a.number ? b : a))
    const url = `/forums/${this.f.forumId}/versions/${latest.number}`
    const lead = state.lead_worker.nominee
    this.version.replaceChildren(
      h('div', { class: 'govuk-panel govuk-panel--confirmation forum-locked-panel' }, [
        h('h3', { class: 'govuk-panel__title', text: `Version ${latest.number} locked` }),
        h('div', { class: 'govuk-panel__body', text: 'This plan cannot change now.' })
      ]),
      summaryList([
        ['Locked', formatDate(latest.locked_at, { time: true })],
        ['Chair', personName(latest.locked_by)],
        ['Lead worker', lead ? personName(lead) : '—'],
        ['Review date', state.review_date ? formatDate(state.review_date) : '—'],
        ['SHA-256', h('code', { class: 'forum-hash', text: latest.sha256 })],
        ...(latest.proposal_sha256 ? [['Proposal agreed', h('code', { class: 'forum-hash', text: latest.proposal_sha256 })]] : [])
      ].concat(latest.override_reason ? [['Locked despite an objection because', latest.override_reason]] : [])),
      h('p', { class: 'govuk-body' }, [
        h('a', { class: 'govuk-link', href: url, 'data-version-link': '' }, [`See version ${latest.number} and download it`]),
        ' (PDF, Word, JSON, Markdown, CSV of actions, calendar file).'
      ]),
      h('p', { class: 'govuk-body' }, [
        h('a', { class: 'govuk-link', href: `/forums/${this.f.forumId}/progress`, 'data-progress-link': '' }, ['Plan progress']),
        ': how each action is going since the lock.'
      ])
    )
    const earlier = state.versions.filter(v => v.number !== latest.number)
    this.earlier.replaceChildren(...(earlier.length
      ? [h('h3', { class: 'govuk-heading-s', text: 'Earlier versions' }),
          h('ul', { class: 'govuk-list' }, earlier.map(v => h('li', {}, [h('a', { class: 'govuk-link', href: `/forums/${this.f.forumId}/versions/${v.number}`, text: `Version ${v.number}` }), `, locked ${formatDate(v.locked_at, { time: true })}`])))]
      : []))
    this.chair.hidden = this.f.myRole() !== 'chair'
  }

  async reopen () {
    const reason = this.reason.textarea.value.trim()
    if (!reason) {
      fieldError(this.reason.group, this.reason.errorMessage, 'Give the reason for reopening')
      const summary = errorSummary('There is a problem', [{ text: 'Give the reason for reopening', href: `#${this.reason.textarea.id}` }])
      this.summary.replaceChildren(summary)
      summary.focus()
      return
    }
    fieldError(this.reason.group, this.reason.errorMessage, '')
    this.summary.replaceChildren()
    const ack = await this.f.act('reopen', { reason }, 'Reopen for review')
    if (!ack.ok) return
    this.reason.textarea.value = ''
    this.f.room.announcer.say(`Reopened for review: now working towards version ${ack.reopened_from + 1}`)
    const title = document.getElementById('forum-stage-plan-title')
    if (title) title.focus()
  }
}
