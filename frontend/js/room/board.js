// The board: the page shows one stage's work at a time (the room's stage, unless the person
// chose another stage's tab), the 6Ps panels only where they belong (Gather; the perpetuating
// and protective factors beside the hypothesis; everything once locked), a "Jump to" list of
// the areas shown, and following the chair: when the stage changes the view moves to the new
// work and the focus to its heading, unless the person is typing: then a bar waits for them.
import { h } from './dom.js'
import { STAGES, stageName } from './facilitation-stages.js'

const PANELS_IN = {
  gather: null, // all of them
  hypothesis: ['perpetuating', 'protective'],
  prioritise: [],
  plan: [],
  agree: [],
  locked: null
}
const AREAS = {
  gather: [],
  hypothesis: [['The hypothesis', 'forum-stage-hypothesis-title']],
  prioritise: [['Votes', 'forum-votes-title'], ['Confirmed priorities', 'forum-priorities-title']],
  plan: [['Starting ideas', 'forum-plan-ideas-title'], ['Goals', 'forum-plan-goals-title'], ['Actions', 'forum-plan-actions-title'], ['Review', 'forum-plan-review-title']],
  agree: [['Lead worker', 'forum-agree-lead-title'], ['Stances', 'forum-agree-stances-title'], ['Principles', 'forum-agree-principles-title'], ['Lock', 'forum-agree-lock-title']],
  locked: [['Locked version', 'forum-stage-locked-title']]
}

// Whether the person is writing just now: the focus is in a text box (even one that has just
// become read-only: a lock or a frozen draft must not snatch the focus from what they wrote).
export function isTyping (root) {
  const active = document.activeElement
  if (!active || !root.contains(active)) return false
  if (active.tagName === 'TEXTAREA') return true
  return active.tagName === 'INPUT' && !['radio', 'checkbox', 'button', 'submit'].includes(active.type)
}

export class Board {
  constructor (facilitation, root) {
    this.f = facilitation
    this.root = root
    this.board = root.querySelector('[data-board]')
    this.panelsArea = root.querySelector('[data-panels]')
    this.gatherTitle = root.querySelector('[data-gather-title]')
    this.jump = root.querySelector('[data-jump]')
    this.tabs = root.querySelector('[data-stage-tabs]')
    this.followBar = root.querySelector('[data-follow]')
    this.view = root.dataset.stage // the stage whose work is shown
    this.roomStage = root.dataset.stage
    this.moved = false // the room moved while this person was typing
    this.tabButtons = new Map()
    // Focused elements scroll clear of the sticky stage line and notices (WCAG 2.4.11).
    const top = root.querySelector('[data-top]')
    if (top && window.ResizeObserver) {
      new ResizeObserver(() => document.documentElement.style.setProperty('--forum-top-height', `${top.offsetHeight}px`)).observe(top)
    }
    if (this.tabs) this.buildTabs()
    this.show(this.view)
  }

  buildTabs () {
    const list = h('ul', { class: 'forum-stage-tabs__list' })
    for (const stage of STAGES) {
      const now = h('span', { class: 'forum-stage-tabs__now', text: ' (now)' })
      const button = h('button', { type: 'button', class: 'forum-stage-tabs__tab', 'data-stage-tab': stage }, [stageName(stage), now])
      button.addEventListener('click', () => { this.show(stage); this.focusHeading(stage) })
      this.tabButtons.set(stage, { button, now, item: h('li', { class: 'forum-stage-tabs__item' }, [button]) })
      list.append(this.tabButtons.get(stage).item)
    }
    this.tabs.replaceChildren(h('h2', { class: 'govuk-visually-hidden', text: 'Stages' }), list)
  }

  panels () {
    return [...this.root.querySelectorAll('[data-panel]')]
  }

  // Show one stage's work.
  show (stage) {
    this.view = stage
    this.board.dataset.view = stage
    const keep = PANELS_IN[stage]
    let shown = 0
    for (const panel of this.panels()) {
      panel.hidden = keep !== null && !keep.includes(panel.dataset.panel)
      if (!panel.hidden) shown++
    }
    this.panelsArea.hidden = shown === 0
    this.gatherTitle.hidden = stage !== 'gather'
    if (stage === this.roomStage) this.moved = false
    this.f.showSections(stage)
    this.renderTabs()
    this.renderJump()
    this.renderFollow()
    this.f.spotlightShown && this.f.spotlightShown()
  }

  renderTabs () {
    for (const [stage, { button, now, item }] of this.tabButtons) {
      button.setAttribute('aria-pressed', String(stage === this.view))
      now.hidden = stage !== this.roomStage
      if (stage === this.roomStage) button.setAttribute('aria-current', 'step')
      else button.removeAttribute('aria-current')
      item.hidden = stage === 'locked' && this.roomStage !== 'locked' // reached only by locking
    }
  }

  renderJump () {
    if (!this.jump) return
    const targets = AREAS[this.view].map(([text, id]) => ({ text, id }))
    for (const panel of this.panels()) {
      if (!panel.hidden) targets.push({ text: panel.dataset.panelName, id: `panel-${panel.dataset.panel}-title` })
    }
    const links = targets.map(({ text, id }) => {
      const link = h('a', { class: 'govuk-link forum-jump__link', href: `#${id}`, text })
      link.addEventListener('click', event => {
        const target = document.getElementById(id)
        if (!target) return
        event.preventDefault()
        this.focus(target)
      })
      return h('li', { class: 'forum-jump__item' }, [link])
    })
    this.jump.replaceChildren(h('h2', { class: 'forum-jump__title', text: 'Jump to' }), h('ul', { class: 'forum-jump__list' }, links))
  }

  // Focus an area's heading and scroll it to just below the sticky stage line and notices.
  focus (element) {
    if (!element.hasAttribute('tabindex') && !element.matches('summary, a, button')) element.setAttribute('tabindex', '-1')
    element.focus({ preventScroll: true })
    const top = this.root.querySelector('[data-top]')
    const sticky = top && getComputedStyle(top).position === 'sticky' ? top.offsetHeight : 0
    window.scrollTo(0, Math.max(0, element.getBoundingClientRect().top + window.scrollY - sticky - 8))
  }

  headingOf (stage) {
    return document.getElementById(`forum-stage-${stage}-title`)
  }

  focusHeading (stage) {
    const heading = this.headingOf(stage)
    if (heading) this.focus(heading)
  }

  // The facilitation state arrived. `before` is the previous state (null at first); `own` is true
  // when this person moved the stage themselves.
  follow (before, state, own) {
    const stage = state.stage
    const moved = before && before.stage !== stage
    this.roomStage = stage
    if (!before) {
      this.show(stage)
      return
    }
    if (!moved) {
      this.renderTabs()
      this.renderFollow()
      return
    }
    if (own || this.f.room.present) {
      this.show(stage)
    } else if (isTyping(this.root)) {
      this.moved = true
      this.renderTabs()
      this.renderFollow()
    } else {
      this.show(stage)
      this.focusHeading(stage)
    }
  }

  // "The room moved to Plan — go there": while this person was typing, or looks at another stage.
  renderFollow () {
    if (!this.followBar) return
    const away = this.view !== this.roomStage
    this.followBar.hidden = !away
    if (!away) {
      this.followBar.replaceChildren()
      return
    }
    const where = stageName(this.roomStage)
    const text = this.moved ? `The room moved to ${where} — ` : `You are looking at ${stageName(this.view)}. The room is at ${where} — `
    const go = h('button', { type: 'button', class: 'govuk-button govuk-!-margin-bottom-0 forum-follow__go', 'aria-label': `go there: ${where}`, 'data-follow-go': '', text: 'go there' })
    go.addEventListener('click', () => { this.show(this.roomStage); this.focusHeading(this.roomStage) })
    this.followBar.replaceChildren(h('p', { class: 'govuk-body forum-follow__text' }, [text, go]))
  }
}
