// The chair's spotlight (`spotlight` event, docs/protocol.md): one entry, goal or action is
// highlighted for everyone, with a "Spotlight" label (not colour alone), and scrolled into view
// when it changes, unless the person is typing; it stays until the chair clears it.
import { h } from './dom.js'
import { isTyping } from './board.js'

const SELECTORS = {
  entry: id => [`.forum-entry[data-entry="${id}"]`, `.forum-vote[data-vote-entry="${id}"]`],
  goal: id => [`.forum-goal[data-goal="${id}"]`],
  action: id => [`.forum-action[data-action="${id}"]`]
}
const HOME = { entry: 'gather', goal: 'plan', action: 'plan' } // where it is when nothing shows it

export class Spotlight {
  constructor (facilitation, root) {
    this.f = facilitation
    this.root = root
    this.target = null
  }

  elements (target) {
    if (!target) return []
    const [kind, id] = target.split(':')
    const selectors = SELECTORS[kind] ? SELECTORS[kind](Number(id)) : []
    return selectors.flatMap(selector => [...this.root.querySelectorAll(selector)])
  }

  // Mark the spotlighted elements (after every render: lists are rebuilt).
  apply () {
    for (const element of this.root.querySelectorAll('.forum-spotlight')) {
      if (!this.elements(this.target).includes(element)) {
        element.classList.remove('forum-spotlight')
        for (const tag of element.querySelectorAll(':scope > .forum-spotlight__tag')) tag.remove()
      }
    }
    for (const element of this.elements(this.target)) {
      element.classList.add('forum-spotlight')
      if (!element.querySelector(':scope > .forum-spotlight__tag')) element.prepend(h('strong', { class: 'forum-spotlight__tag', text: 'Spotlight' }))
    }
  }

  // The state arrived: a new spotlight is brought into view.
  update (state) {
    const target = state.spotlight || null
    const changed = target !== this.target
    this.target = target
    this.apply()
    if (!changed || !target || this.f.room.present) return
    const kind = target.split(':')[0]
    this.f.room.announcer.say(`The chair spotlighted ${this.describe(target)}`)
    if (isTyping(this.root)) return
    const visible = () => this.elements(target).find(element => element.getClientRects().length)
    if (!visible() && HOME[kind]) this.f.board.show(HOME[kind])
    const element = visible()
    if (element) element.scrollIntoView({ block: 'center' })
  }

  describe (target) {
    const [kind, id] = target.split(':')
    if (kind === 'entry') return this.f.room.describe(Number(id)).replace(/^Entry/, 'entry')
    const list = kind === 'goal' ? this.f.state.goals : this.f.state.actions
    const index = list.findIndex(item => item.id === Number(id))
    return `${kind} ${index + 1}`
  }
}
