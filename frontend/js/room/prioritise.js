// Prioritise stage: everyone votes on the perpetuating factors within a vote
// budget, with live tallies; the chair confirms the priorities in rank order
// (a checkbox list ordered by votes, with Move up / Move down: no dragging).
import { h } from './dom.js'
import { button, buttonGroup, formatDate, replaceKeepingFocus, textStart } from './facilitation-dom.js'

const votesText = n => `${n} ${n === 1 ? 'vote' : 'votes'}`

export class PrioritiseView {
  constructor (facilitation, container) {
    this.f = facilitation
    this.order = [] // the chair's draft ranking (entry ids)
    this.chosen = new Set() // entries ticked as priorities
    this.draftFrom = undefined // the confirmation the draft started from
    this.arranged = false // the chair has moved something: keep their order
    this.budget = h('p', { class: 'govuk-body govuk-!-font-weight-bold', 'data-votes-left': '' })
    this.list = h('ul', { class: 'govuk-list forum-vote-list', 'aria-labelledby': 'forum-votes-title' })
    this.confirmed = h('div', { 'data-confirmed-priorities': '' })
    this.chair = h('div', { class: 'forum-chair-only' })
    container.replaceChildren(
      h('h3', { class: 'govuk-heading-m', id: 'forum-votes-title', text: 'Vote on the perpetuating factors' }),
      h('p', { class: 'govuk-body', text: 'Vote for the factors that most keep the difficulties going. You can move a vote by removing it first.' }),
      this.budget, this.list,
      h('h3', { class: 'govuk-heading-m', id: 'forum-priorities-title', text: 'Confirmed priorities' }),
      this.confirmed, this.chair
    )
  }

  textsChanged () { this.render(this.f.state) }

  render (state) {
    if (!state) return
    const entries = this.f.entriesOf('perpetuating')
    const tallies = new Map(state.votes.tallies.map(t => [t.entry, t]))
    const mine = entries.filter(e => (tallies.get(e.id) || { voters: [] }).voters.includes(this.f.userId)).length
    const left = state.votes.budget - mine
    const voter = this.f.canWrite()
    this.budget.textContent = voter
      ? `You have ${left} of ${state.votes.budget} votes left.`
      : 'Observers can follow the votes but cannot vote.'

    const rows = entries.map(entry => {
      const tally = tallies.get(entry.id) || { votes: 0, voters: [] }
      const start = textStart(entry.text)
      const voted = tally.voters.includes(this.f.userId)
      const buttons = []
      if (voter) {
        const vote = button('Vote', () => this.vote('vote:add', entry.id), { key: `vote-${entry.id}`, more: ` for: ${start}` })
        vote.disabled = voted || left <= 0
        const remove = button('Remove vote', () => this.vote('vote:remove', entry.id), { key: `unvote-${entry.id}`, more: ` for: ${start}` })
        remove.disabled = !voted
        buttons.push(buttonGroup([vote, remove]))
      }
      return h('li', { class: 'forum-vote', 'data-vote-entry': entry.id }, [
        h('p', { class: 'govuk-body govuk-!-margin-bottom-1' }, [
          h('strong', { text: `${entry.number}. ${start}` }), ' ',
          h('span', { class: 'forum-tally', 'data-tally': entry.id, text: votesText(tally.votes) }),
          voted ? h('span', { class: 'forum-tag', text: 'Your vote' }) : null
        ]),
        ...buttons
      ])
    })
    if (!rows.length) rows.push(h('li', { class: 'govuk-body', text: 'No perpetuating factors were gathered yet. The chair can go back to Gather to add them.' }))
    replaceKeepingFocus(this.list, rows)
    this.renderConfirmed(state, entries)
    this.renderChair(state, entries, tallies)
  }

  renderConfirmed (state, entries) {
    const text = id => textStart(this.f.entryText(id), 80)
    const children = state.priorities.length
      ? [h('ol', { class: 'govuk-list govuk-list--number' }, state.priorities.map(p => h('li', { text: text(p.entry) }))),
          h('p', { class: 'govuk-hint', text: `Confirmed by the chair on ${formatDate(state.priorities_confirmed_at, { time: true })}.` })]
      : [h('p', { class: 'govuk-body', text: 'The chair has not confirmed the priorities yet.' })]
    this.confirmed.replaceChildren(...children)
  }

  // The chair's draft: the confirmed list, then the rest in vote order (ties in panel order: the
  // sort is stable), following the votes as they arrive until the chair moves something.
  draft (state, entries, tallies) {
    const ids = entries.map(e => e.id)
    const byVotes = ids.slice().sort((a, b) => (tallies.get(b) || { votes: 0 }).votes - (tallies.get(a) || { votes: 0 }).votes)
    const confirmed = state.priorities.map(p => p.entry).filter(id => ids.includes(id))
    if (this.draftFrom !== state.priorities_confirmed_at) {
      this.draftFrom = state.priorities_confirmed_at
      this.chosen = new Set(confirmed)
      this.arranged = false
    }
    if (!this.arranged) this.order = [...confirmed, ...byVotes.filter(id => !confirmed.includes(id))]
    this.order = [...this.order.filter(id => ids.includes(id)), ...byVotes.filter(id => !this.order.includes(id))]
    for (const id of this.chosen) if (!ids.includes(id)) this.chosen.delete(id)
    return byVotes
  }

  renderChair (state, entries, tallies) {
    this.chair.hidden = !this.f.isChair()
    if (this.chair.hidden) return
    const byVotes = this.draft(state, entries, tallies)
    const items = this.order.map((id, index) => {
      const entry = entries.find(e => e.id === id)
      const start = textStart(entry.text)
      const checkboxId = `forum-priority-${id}`
      const checkbox = h('input', { class: 'govuk-checkboxes__input', id: checkboxId, type: 'checkbox', value: id, 'data-key': `priority-${id}` })
      checkbox.checked = this.chosen.has(id)
      checkbox.addEventListener('change', () => {
        if (checkbox.checked) this.chosen.add(id)
        else this.chosen.delete(id)
      })
      const up = button('Move up', () => this.move(id, -1), { key: `priority-up-${id}`, more: `: ${start}` })
      const down = button('Move down', () => this.move(id, 1), { key: `priority-down-${id}`, more: `: ${start}` })
      up.disabled = index === 0
      down.disabled = index === this.order.length - 1
      return h('div', { class: 'govuk-checkboxes__item forum-priority' }, [
        checkbox,
        h('label', { class: 'govuk-label govuk-checkboxes__label', for: checkboxId, text: `${start} (${votesText((tallies.get(id) || { votes: 0 }).votes)})` }),
        buttonGroup([up, down])
      ])
    })
    const fieldset = h('fieldset', { class: 'govuk-fieldset', 'aria-describedby': 'forum-priorities-hint' }, [
      h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--m' }, [h('h3', { class: 'govuk-fieldset__heading', text: 'Confirm the priorities (chair)' })]),
      h('div', { class: 'govuk-hint', id: 'forum-priorities-hint', text: 'Tick the priorities and put them in order, most important first. The list starts in order of votes.' }),
      h('div', { class: 'govuk-checkboxes govuk-checkboxes--small' }, items)
    ])
    const byVotesButton = button('Order by votes', () => { this.order = byVotes; this.arranged = true; this.render(this.f.state) }, { key: 'priorities-by-votes' })
    const confirm = button('Confirm priorities', () => this.confirm(), { secondary: false, key: 'priorities-confirm' })
    confirm.disabled = !entries.length
    replaceKeepingFocus(this.chair, [h('div', { class: 'govuk-form-group' }, [fieldset]), buttonGroup([confirm, byVotesButton])])
  }

  move (id, step) {
    const from = this.order.indexOf(id)
    const to = from + step
    if (from < 0 || to < 0 || to >= this.order.length) return
    this.arranged = true // the chair's own order from now on
    this.order.splice(from, 1)
    this.order.splice(to, 0, id)
    this.render(this.f.state)
    // Keep focus on the moved item: the same button, or its partner at the end of the list.
    const same = this.chair.querySelector(`[data-key="priority-${step < 0 ? 'up' : 'down'}-${id}"]`)
    const other = this.chair.querySelector(`[data-key="priority-${step < 0 ? 'down' : 'up'}-${id}"]`)
    ;(same && !same.disabled ? same : other).focus()
    this.f.room.announcer.say(`Moved to position ${to + 1} of ${this.order.length}`)
  }

  async confirm () {
    const entries = this.order.filter(id => this.chosen.has(id))
    const ack = await this.f.act('priorities:confirm', { entries }, 'Confirm the priorities')
    if (ack.ok) this.f.room.announcer.say(`${entries.length} ${entries.length === 1 ? 'priority' : 'priorities'} confirmed`)
  }

  async vote (event, entryId) {
    const ack = await this.f.act(event, { entry: entryId }, event === 'vote:add' ? 'Vote' : 'Remove vote')
    if (!ack.ok) return
    const left = this.budget.textContent
    this.f.room.announcer.say(`${event === 'vote:add' ? 'Vote recorded' : 'Vote removed'}. ${left}`)
    // The pressed button is now disabled: keep the focus on its partner.
    const partner = this.list.querySelector(`[data-key="${event === 'vote:add' ? 'unvote' : 'vote'}-${entryId}"]`)
    if (document.activeElement === document.body && partner) partner.focus()
  }
}
