// Present mode: a read-only view of the room's current stage made for a shared screen (1280x800
// to 1920x1080). No controls; it follows the stage and the spotlight by itself. The type starts
// large and shrinks until the whole stage's work fits the window, never below a readable
// minimum (16 px, or 20 px on a 1920 px wide screen).
import { h } from './dom.js'
import { agencyBadge } from './entries-view.js'
import { stageLabel } from './facilitation-stages.js'
import { formatDate, personName } from './facilitation-dom.js'

const STANCE_TEXT = { agree: 'Agree', agree_with_concerns: 'Agree with concerns', object: 'Object' }

export const minimumSize = width => Math.max(16, Math.floor(width / 96))
const maximumSize = width => Math.max(minimumSize(width), Math.floor(width / 36))

const count = (n, one, many) => `${n} ${n === 1 ? one : many}`

export class PresentView {
  constructor (facilitation, container) {
    this.f = facilitation
    this.container = container
    this.frame = null
    container.hidden = false
    window.addEventListener('resize', () => this.schedule())
  }

  textsChanged () { this.schedule() }

  render () { this.schedule() }

  schedule () {
    if (this.frame) return
    this.frame = requestAnimationFrame(() => {
      this.frame = null
      this.draw()
      this.fit()
      this.showSpotlight()
    })
  }

  spotlightOf (kind, id) {
    const spot = this.f.state && this.f.state.spotlight
    return spot === `${kind}:${id}` ? ' forum-present__spot' : ''
  }

  // On the shared screen an entry shows its agency's badge and the person; the legend under the
  // board spells out each badge.
  person (p) {
    return h('span', { class: 'forum-present__who' }, [agencyBadge(p.agency), h('span', { class: 'govuk-visually-hidden', text: `${p.agency}: ` }), p.name])
  }

  legend () {
    const agencies = new Map()
    for (const entry of this.f.room.entries) agencies.set(entry.author.agency, true)
    for (const p of (this.f.state ? this.f.state.participants : [])) agencies.set(p.agency, true)
    return h('ul', { class: 'forum-present__legend', 'aria-label': 'Agencies' }, [...agencies.keys()].sort().map(agency => h('li', {}, [agencyBadge(agency), agency])))
  }

  entryItem (entry, extra = []) {
    return h('li', { class: `forum-present__entry${this.spotlightOf('entry', entry.id)}`, 'data-present-entry': entry.id }, [
      h('span', { class: 'forum-present__text', text: entry.text || '(empty)' }), ' ',
      this.person(entry.author),
      ...extra
    ])
  }

  panel (panel) {
    const entries = this.f.entriesOf(panel.key)
    return h('section', { class: 'forum-present__panel', 'aria-labelledby': `present-${panel.key}` }, [
      h('h3', { class: 'forum-present__panel-title', id: `present-${panel.key}`, text: `${panel.name} (${entries.length})` }),
      entries.length
        ? h('ol', { class: 'forum-present__entries' }, entries.map(e => this.entryItem(e)))
        : h('p', { class: 'forum-present__empty', text: 'No entries yet.' })
    ])
  }

  panels (keys) {
    const all = [...this.f.room.panelsByKey.values()]
    return all.filter(panel => !keys || keys.includes(panel.key)).map(panel => this.panel(panel))
  }

  draw () {
    const state = this.f.state
    if (!state) return
    const stage = state.stage
    const title = h('h2', { class: 'govuk-visually-hidden', id: 'forum-present-title', text: stageLabel(stage) })
    const body = {
      gather: () => h('div', {}, [h('div', { class: 'forum-present__board' }, this.panels()), this.legend()]),
      hypothesis: () => this.hypothesis(),
      prioritise: () => this.prioritise(state),
      plan: () => this.plan(state),
      agree: () => this.agree(state),
      locked: () => this.locked(state)
    }[stage]()
    this.container.dataset.stage = stage
    this.container.replaceChildren(h('section', { class: 'forum-present__stage', 'aria-labelledby': 'forum-present-title' }, [title, body]))
  }

  hypothesis () {
    const text = this.f.room.textOf('hypothesis')
    return h('div', { class: 'forum-present__split' }, [
      h('div', { class: 'forum-present__hypothesis' }, [
        h('h3', { class: 'forum-present__panel-title', text: 'The hypothesis' }),
        h('p', { class: 'forum-present__big', text: text || 'Not written yet.' })
      ]),
      h('div', { class: 'forum-present__side' }, [...this.panels(['perpetuating', 'protective']), this.legend()])
    ])
  }

  prioritise (state) {
    const tallies = new Map(state.votes.tallies.map(t => [t.entry, t.votes]))
    const confirmed = new Map(state.priorities.map(p => [p.entry, p.rank]))
    const entries = this.f.entriesOf('perpetuating').sort((a, b) => (tallies.get(b.id) || 0) - (tallies.get(a.id) || 0))
    return h('div', { class: 'forum-present__panel' }, [
      h('h3', { class: 'forum-present__panel-title', text: 'Perpetuating factors by votes' }),
      h('ol', { class: 'forum-present__entries' }, entries.map(e => this.entryItem(e, [
        h('strong', { class: 'forum-present__tally', text: ` ${count(tallies.get(e.id) || 0, 'vote', 'votes')}` }),
        confirmed.has(e.id) ? h('strong', { class: 'forum-tag', text: `Priority ${confirmed.get(e.id)}` }) : null
      ])))
    ])
  }

  plan (state) {
    const room = this.f.room
    const goals = state.goals.map((g, i) => h('li', { class: `forum-present__entry${this.spotlightOf('goal', g.id)}`, 'data-present-goal': g.id, text: room.textOf(g.root) || '(empty)' }))
    const rows = state.actions.map((a, i) => h('tr', { class: `govuk-table__row${this.spotlightOf('action', a.id)}`, 'data-present-action': a.id }, [
      h('td', { class: 'govuk-table__cell', text: String(i + 1) }),
      h('td', { class: 'govuk-table__cell', text: room.textOf(a.what_root) || '(empty)' }),
      h('td', { class: 'govuk-table__cell' }, [a.owner ? this.person(a.owner) : 'Not chosen yet']),
      h('td', { class: 'govuk-table__cell', text: a.due ? formatDate(a.due) : '—' }),
      h('td', { class: 'govuk-table__cell', text: room.textOf(a.measure_root) || '—' })
    ]))
    return h('div', { class: 'forum-present__plan' }, [
      h('h3', { class: 'forum-present__panel-title', text: 'Goals' }),
      goals.length ? h('ol', { class: 'forum-present__entries' }, goals) : h('p', { text: 'No goals yet.' }),
      h('h3', { class: 'forum-present__panel-title', text: 'Actions' }),
      rows.length
        ? h('table', { class: 'govuk-table forum-present__table' }, [
          h('thead', { class: 'govuk-table__head' }, [h('tr', { class: 'govuk-table__row' }, ['#', 'What will be done', 'Who', 'By when', 'How we will know'].map(t => h('th', { scope: 'col', class: 'govuk-table__header', text: t })))]),
          h('tbody', { class: 'govuk-table__body' }, rows)
        ])
        : h('p', { text: 'No actions yet.' }),
      h('p', { class: 'forum-present__line', text: state.review_date ? `Review on ${formatDate(state.review_date)}.` : 'No review date yet.' })
    ])
  }

  agree (state) {
    const lead = state.lead_worker
    const leadText = !lead.nominee
      ? 'Nobody nominated yet.'
      : `${personName(lead.nominee)}${lead.accepted_at && lead.on_proposal ? ' (accepted)' : ' (has not accepted yet)'}`
    const rows = state.stances.map(s => h('tr', { class: 'govuk-table__row' }, [
      h('th', { scope: 'row', class: 'govuk-table__header' }, [agencyBadge(s.agency), ` ${s.agency}`]),
      h('td', { class: 'govuk-table__cell', text: s.stance ? `${STANCE_TEXT[s.stance]}${s.on_proposal ? '' : ' (earlier draft)'}` : 'Not recorded yet' }),
      h('td', { class: 'govuk-table__cell', text: s.reason || '' })
    ]))
    return h('div', {}, [
      h('p', { class: 'forum-present__line', text: state.proposal ? `Proposal ${state.proposal.short}` : 'No proposal yet.' }),
      h('p', { class: 'forum-present__big', text: `Lead worker: ${leadText}` }),
      h('table', { class: 'govuk-table forum-present__table' }, [
        h('thead', { class: 'govuk-table__head' }, [h('tr', { class: 'govuk-table__row' }, ['Agency', 'Stance', 'Reason'].map(t => h('th', { scope: 'col', class: 'govuk-table__header', text: t })))]),
        h('tbody', { class: 'govuk-table__body' }, rows)
      ])
    ])
  }

  locked (state) {
    const latest = state.versions.length ? state.versions.reduce((a, b) => (b.number > a.number ? b : a)) : null
    const legend = this.legend()
    legend.prepend(h('li', {}, [h('strong', { text: latest ? `Version ${latest.number} locked on ${formatDate(latest.locked_at, { time: true })}` : 'Locked' })]))
    return h('div', {}, [h('div', { class: 'forum-present__board' }, this.panels()), legend])
  }

  // The largest type at which the page needs no scrolling, between the minimum and the maximum.
  fit () {
    const width = window.innerWidth
    let low = minimumSize(width)
    let high = maximumSize(width)
    const fits = size => {
      this.container.style.setProperty('--present-size', `${size}px`)
      const page = document.documentElement
      return page.scrollHeight <= window.innerHeight && page.scrollWidth <= width
    }
    if (fits(high)) return
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2)
      if (fits(middle)) low = middle
      else high = middle
    }
    fits(low)
  }

  showSpotlight () {
    const spot = this.container.querySelector('.forum-present__spot')
    if (spot) spot.scrollIntoView({ block: 'nearest' })
  }
}
