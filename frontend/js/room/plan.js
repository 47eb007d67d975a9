// Plan stage: the Plan panel's gathered entries offered as starting points,
// goals and SMART actions (what, who, by when, how we will know, linked goal
// and priority), the review date and how the family will be told. Texts are
// co-edited like entries; the rest are server events.
import { h } from './dom.js'
import { button, buttonGroup, dateField, formatDate, personName, replaceKeepingFocus, selectField, setMore, setOptions, textStart, textareaField } from './facilitation-dom.js'

const DATE_SETTLE_MS = 700

// Typing a date fires change for each digit of the year: send only once it settles.
function settled (send) {
  let timer = null
  return (...args) => {
    clearTimeout(timer)
    timer = setTimeout(() => send(...args), DATE_SETTLE_MS)
  }
}

class GoalView {
  constructor (plan, goal) {
    this.id = goal.id
    this.root = goal.root
    this.field = textareaField('Goal', { key: `goal-${goal.id}`, hintText: "In the family's words where possible." })
    this.remove = button('Remove goal', () => plan.removeGoal(this), { key: `goal-remove-${goal.id}` })
    this.spot = button('Spotlight', () => plan.f.spotlight(`goal:${goal.id}`), { key: `goal-spotlight-${goal.id}` })
    this.element = h('li', { class: 'forum-goal', 'data-goal': goal.id }, [this.field.group, buttonGroup([this.remove, this.spot])])
    plan.f.room.bindRoot(goal.root, this.field.textarea, 'A goal')
  }

  update (number, editable, room) {
    this.number = number
    this.field.group.querySelector('label').firstChild.textContent = `Goal ${number}`
    setMore(this.remove, ` ${number}`)
    setMore(this.spot, `: goal ${number}`)
    this.spot.hidden = !room.facilitation.isChair()
    this.field.textarea.readOnly = !editable
    this.remove.hidden = !editable
    room.rootLabels.set(this.root, `Goal ${number}`)
  }
}

class ActionView {
  constructor (plan, action) {
    this.id = action.id
    this.roots = [action.what_root, action.measure_root]
    const send = changes => plan.setAction(this, changes)
    const key = name => `action-${action.id}-${name}`
    this.legend = h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--m' })
    this.what = textareaField('What will be done', { key: key('what'), hintText: 'Specific and achievable.' })
    this.owner = selectField('Who will do it', [], { key: key('owner'), onChange: value => send({ owner: value ? Number(value) : null }) })
    this.due = dateField('By when', { key: key('due'), onChange: settled(value => send({ due: value || null })) })
    this.measure = textareaField('How we will know it has happened', { key: key('measure') })
    this.goal = selectField('Goal it works towards', [], { key: key('goal'), onChange: value => send({ goal: value ? Number(value) : null }) })
    this.priority = selectField('Priority it addresses', [], { key: key('priority'), hintText: 'One of the confirmed priorities.', onChange: value => send({ priority: value ? Number(value) : null }) })
    this.remove = button('Remove action', () => plan.removeAction(this), { key: key('remove') })
    this.spot = button('Spotlight', () => plan.f.spotlight(`action:${action.id}`), { key: key('spotlight') })
    this.element = h('li', { class: 'forum-action', 'data-action': action.id }, [
      h('fieldset', { class: 'govuk-fieldset' }, [
        this.legend,
        this.what.group, this.owner.group, this.due.group, this.measure.group, this.goal.group, this.priority.group
      ]),
      buttonGroup([this.remove, this.spot])
    ])
    plan.f.room.bindRoot(action.what_root, this.what.textarea, 'What will be done')
    plan.f.room.bindRoot(action.measure_root, this.measure.textarea, 'How we will know')
  }

  update (action, number, editable, options, room) {
    this.legend.textContent = `Action ${number}`
    setMore(this.remove, ` ${number}`)
    setMore(this.spot, `: action ${number}`)
    this.spot.hidden = !room.facilitation.isChair()
    room.rootLabels.set(this.roots[0], `What will be done, action ${number}`)
    room.rootLabels.set(this.roots[1], `How we will know, action ${number}`)
    setOptions(this.owner.select, options.people, action.owner ? String(action.owner.user) : '')
    if (document.activeElement !== this.due.input) this.due.input.value = action.due || ''
    setOptions(this.goal.select, options.goals, action.goal ? String(action.goal) : '')
    const priorities = options.priorities.some(o => o.value === String(action.priority)) || !action.priority
      ? options.priorities
      : [...options.priorities, { value: String(action.priority), text: 'A factor that is not a confirmed priority' }]
    setOptions(this.priority.select, priorities, action.priority ? String(action.priority) : '')
    for (const control of [this.owner.select, this.due.input, this.goal.select, this.priority.select]) control.disabled = !editable
    this.what.textarea.readOnly = !editable
    this.measure.textarea.readOnly = !editable
    this.remove.hidden = !editable
  }
}

export class PlanView {
  constructor (facilitation, container) {
    this.f = facilitation
    this.goals = new Map() // goal id -> GoalView
    this.actions = new Map() // action id -> ActionView
    this.reopened = h('div', {})
    this.ideas = h('ul', { class: 'govuk-list forum-ideas' })
    this.goalList = h('ol', { class: 'govuk-list forum-goals' })
    this.actionList = h('ol', { class: 'govuk-list forum-actions' })
    this.addGoal = button('Add a goal', () => this.add('goal:add', {}), { key: 'goal-add' })
    this.addAction = button('Add an action', () => this.add('action:add', {}), { key: 'action-add' })
    this.review = dateField('Review date', { key: 'review-date', hintText: 'When the forum meets again to review the plan.', onChange: settled(value => this.setReview(value)) })
    this.reviewShown = h('p', { class: 'govuk-body', 'data-review-date': '' })
    this.family = textareaField('How the family will be told', { key: 'family-communication', rows: 4, size: 'm', hintText: 'How, when and by whom the family hears about this plan.' })
    container.replaceChildren(
      this.reopened,
      this.ideasBox = h('details', { class: 'govuk-details forum-ideas-box', open: true }, [
        h('summary', { class: 'govuk-details__summary', id: 'forum-plan-ideas-title' }, [this.ideasTitle = h('span', { class: 'govuk-details__summary-text', text: 'Starting ideas from the Plan panel' })]),
        h('div', { class: 'govuk-details__text' }, [this.ideas])
      ]),
      h('div', { class: 'forum-plan-head' }, [h('h3', { class: 'govuk-heading-m', id: 'forum-plan-goals-title', text: 'Goals' }), this.addGoal]),
      this.goalList,
      h('div', { class: 'forum-plan-head' }, [h('h3', { class: 'govuk-heading-m', id: 'forum-plan-actions-title', text: 'Actions' }), this.addAction]),
      this.actionList,
      h('div', { class: 'forum-plan-review' }, [
        h('div', {}, [h('h3', { class: 'govuk-heading-m', id: 'forum-plan-review-title', text: 'Review' }), this.review.group, this.reviewShown]),
        this.family.group
      ])
    )
    facilitation.room.bindRoot('family_communication', this.family.textarea, 'How the family will be told')
  }

  textsChanged () { this.render(this.f.state) }

  render (state) {
    if (!state) return
    const editable = this.f.canWrite()
    const room = this.f.room
    this.reopened.replaceChildren(...(state.reopen
      ? [h('div', { class: 'govuk-inset-text', 'data-review-link': '' }, [
          h('p', { class: 'govuk-body', text: `Reopened from version ${state.reopen.from} for review: ${state.reopen.reason}` }),
          h('p', { class: 'govuk-body govuk-!-margin-bottom-0' }, [
            'Start with ',
            h('a', { class: 'govuk-link', href: `/forums/${this.f.forumId}/review`, text: 'How did the plan go?' }),
            ': each action\'s progress and the group\'s answer for each goal.'
          ])
        ])]
      : []))

    const ideas = this.f.entriesOf('plan').map(entry => {
      const start = textStart(entry.text)
      const buttons = editable
        ? [buttonGroup([
            button('Use as goal', () => this.add('goal:add', { from_entry: entry.id }), { key: `idea-goal-${entry.id}`, more: `: ${start}` }),
            button('Use as action', () => this.add('action:add', { from_entry: entry.id }), { key: `idea-action-${entry.id}`, more: `: ${start}` })
          ])]
        : []
      return h('li', { class: 'forum-idea' }, [h('p', { class: 'govuk-body govuk-!-margin-bottom-0 forum-idea__text', text: `${entry.number}. ${start}` }), ...buttons])
    })
    if (!ideas.length) ideas.push(h('li', { class: 'govuk-body', text: 'No ideas were gathered in the Plan panel.' }))
    this.ideasTitle.textContent = `Starting ideas from the Plan panel (${ideas.length})`
    // Open while the plan is empty; folded away (still one click) once goals or actions exist.
    const started = state.goals.length + state.actions.length > 0
    if (started !== this.started) {
      if (this.started !== undefined || started) this.ideasBox.open = !started
      this.started = started
    }
    replaceKeepingFocus(this.ideas, ideas)

    this.sync(this.goals, state.goals, this.goalList, goal => new GoalView(this, goal), view => [view.root])
    state.goals.forEach((goal, index) => this.goals.get(goal.id).update(index + 1, editable, room))
    this.sync(this.actions, state.actions, this.actionList, action => new ActionView(this, action), view => view.roots)
    const options = this.options(state)
    state.actions.forEach((action, index) => this.actions.get(action.id).update(action, index + 1, editable, options, room))
    if (!state.goals.length) this.goalList.replaceChildren(h('li', { class: 'govuk-body', text: 'No goals yet.' }))
    if (!state.actions.length) this.actionList.replaceChildren(h('li', { class: 'govuk-body', text: 'No actions yet.' }))

    this.addGoal.hidden = this.addAction.hidden = !editable
    if (document.activeElement !== this.review.input) this.review.input.value = state.review_date || ''
    this.review.input.disabled = !editable
    this.reviewShown.textContent = state.review_date ? `Review on ${formatDate(state.review_date)}.` : 'No review date yet.'
    this.family.textarea.readOnly = !editable
  }

  // Keep one view per goal/action (their textareas stay bound and focused), in the server's order.
  sync (views, items, list, create, roots) {
    const wanted = new Set(items.map(item => item.id))
    for (const [id, view] of views) {
      if (wanted.has(id)) continue
      for (const root of roots(view)) this.f.room.unbindRoot(root)
      view.element.remove()
      views.delete(id)
    }
    for (const child of [...list.children]) if (!child.dataset.goal && !child.dataset.action) child.remove()
    items.forEach((item, index) => {
      if (!views.has(item.id)) views.set(item.id, create(item))
      const element = views.get(item.id).element
      if (list.children[index] !== element) list.insertBefore(element, list.children[index] || null)
    })
  }

  options (state) {
    const none = text => ({ value: '', text })
    const text = id => textStart(this.f.entryText(id), 50)
    return {
      people: [none('Not chosen yet'), ...this.f.writers().map(p => ({ value: String(p.user), text: personName(p) }))],
      goals: [none('No goal'), ...state.goals.map((g, i) => ({ value: String(g.id), text: `Goal ${i + 1}: ${textStart(this.f.room.textOf(g.root), 50)}` }))],
      priorities: [none('No priority'), ...state.priorities.map(p => ({ value: String(p.entry), text: `Priority ${p.rank}: ${text(p.entry)}` }))]
    }
  }

  async add (event, payload) {
    const what = event === 'goal:add' ? 'Add a goal' : 'Add an action'
    const ack = await this.f.act(event, payload, what)
    if (!ack.ok) return
    const view = event === 'goal:add' ? this.goals.get(ack.goal) : this.actions.get(ack.action)
    if (view) (view.field || view.what).textarea.focus()
    this.f.room.announcer.say(event === 'goal:add' ? 'Goal added' : 'Action added')
  }

  async removeGoal (view) {
    const ack = await this.f.act('goal:remove', { goal: view.id }, 'Remove the goal')
    if (ack.ok) { this.addGoal.focus(); this.f.room.announcer.say(`Goal ${view.number} removed`) }
  }

  async removeAction (view) {
    const ack = await this.f.act('action:remove', { action: view.id }, 'Remove the action')
    if (ack.ok) { this.addAction.focus(); this.f.room.announcer.say('Action removed') }
  }

  setAction (view, changes) {
    this.f.act('action:set', { action: view.id, ...changes }, 'Change the action')
  }

  setReview (value) {
    if (value && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return
    this.f.act('review:set', { date: value || null }, 'Set the review date')
  }
}
