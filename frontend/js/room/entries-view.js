// The panels' entries on the page as compact cards: the entry's text (a textarea), then
// one short line with the agency's badge and who wrote it, a who-is-typing marker, and
// Move up / Move down / Remove in a small per-card menu (keyboard-operable, no dragging).
import { h, hidden } from './dom.js'

function byPosition (a, b) {
  return a.position - b.position || a.id - b.id
}

// A short, consistent badge for an agency: its initials (or first two letters), on a colour chosen
// from its name. The name is always written beside it: the colour is never the only sign.
const BADGE_COLOURS = 8
const MINOR_WORDS = new Set(['and', 'of', 'the', 'for', '&'])

export function agencyBadge (agency) {
  const words = String(agency || '?').replace(/['’]s\b/g, '').split(/[^\p{L}]+/u).filter(w => w && !MINOR_WORDS.has(w.toLowerCase()))
  const letters = words.length > 1 ? words.slice(0, 3).map(w => w[0]).join('') : (words[0] || '?').slice(0, 2)
  let hash = 0
  for (const char of String(agency || '')) hash = (hash * 31 + char.codePointAt(0)) >>> 0
  return h('span', { class: `forum-badge forum-badge--${hash % BADGE_COLOURS}`, 'aria-hidden': 'true', title: agency, text: letters.toUpperCase() })
}

class EntryView {
  constructor (entry, panel, actions) {
    this.id = entry.id
    const base = `forum-entry-${entry.id}`
    this.textarea = h('textarea', {
      class: 'govuk-textarea forum-entry__text',
      id: `${base}-text`,
      name: `entry-${entry.id}`,
      rows: 1,
      spellcheck: 'true',
      'aria-describedby': `${base}-typing`,
      'data-entry': entry.id
    })
    this.typing = h('p', { class: 'forum-entry__typing', id: `${base}-typing`, hidden: true })
    this.typingWhere = h('p', { class: 'forum-entry__typing-where', hidden: true })
    this.badge = agencyBadge(entry.author.agency)
    // The card shows the text first, then who wrote it on one short line (the badge and the
    // person). The label says the same in words, as one piece of text ("Entry 1 in Protective,
    // added by Jo Nurse (Health)"), so the visible line is not read twice.
    this.label = h('label', { class: 'govuk-visually-hidden forum-entry__label-text', for: this.textarea.id })
    this.meta = h('span', { class: 'forum-entry__label forum-entry__meta', 'aria-hidden': 'true' }, [this.badge, this.credit = h('span', { class: 'forum-entry__author' })])
    this.setCredit(`added by ${entry.author.name} (${entry.author.agency})`, entry)
    this.buttons = {}
    const foot = [this.meta]
    const children = [this.label, this.typing, this.typingWhere, this.textarea]
    if (actions) {
      const button = (kind, text, extraClass = '') => {
        const target = hidden('') // ' entry 2 in Protective': the accessible name says which entry
        const element = h('button', { type: 'button', class: `govuk-button govuk-button--secondary forum-entry__button ${extraClass}`, 'data-action': kind }, [text, target])
        element.addEventListener('click', () => actions[kind](this.id, element))
        this.buttons[kind] = { element, target }
        return element
      }
      this.menu = h('div', { class: 'forum-entry__actions', id: `${base}-menu`, hidden: true }, [
        button('up', 'Move up'), button('down', 'Move down'), button('remove', 'Remove', 'forum-entry__button--remove'), button('spotlight', 'Spotlight')
      ])
      this.menuName = hidden('')
      this.toggle = h('button', { type: 'button', class: 'forum-entry__menu', 'aria-expanded': 'false', 'aria-controls': this.menu.id, 'data-entry-menu': entry.id }, [
        h('span', { 'aria-hidden': 'true', text: '⋯' }), this.menuName
      ])
      this.toggle.addEventListener('click', () => this.openMenu(this.menu.hidden))
      this.menu.addEventListener('keydown', event => {
        if (event.key !== 'Escape') return
        this.openMenu(false)
        this.toggle.focus()
      })
      foot.push(this.toggle)
    }
    children.push(h('div', { class: 'forum-entry__foot' }, foot))
    if (this.menu) children.push(this.menu)
    this.element = h('li', { class: 'forum-entry', 'data-entry': entry.id }, children)
  }

  openMenu (open) {
    this.menu.hidden = !open
    this.toggle.setAttribute('aria-expanded', String(open))
  }

  update (entry, panel, index, count, editable) {
    this.entry = entry
    const name = `entry ${index + 1} in ${panel.name}`
    this.place = `Entry ${index + 1} in ${panel.name}`
    this.label.textContent = `${this.place}, ${this.creditText}`
    this.textarea.readOnly = !editable
    if (this.buttons.up) {
      for (const { target } of Object.values(this.buttons)) target.textContent = ` ${name}`
      this.menuName.textContent = `Options for ${name}`
      this.toggle.hidden = !editable
      if (!editable) this.openMenu(false)
      this.buttons.up.element.disabled = !editable || index === 0
      this.buttons.down.element.disabled = !editable || index === count - 1
      this.buttons.remove.element.disabled = !editable
      this.buttons.spotlight.element.hidden = !this.chair
    }
    this.description = `Entry ${index + 1} in ${panel.name}`
  }

  // "added by … · edited by …", from the room's attribution.
  // The badge says the agency at a glance, so "added by" is read out but not shown.
  setCredit (line, entry = this.entry) {
    const text = `${line}${entry && entry.written_input ? ', written input before the forum' : ''}`
    if (!line) return
    this.creditText = text
    if (this.place) this.label.textContent = `${this.place}, ${text}`
    if (this.credit.textContent === text) return
    const shown = text.startsWith('added by ') ? [hidden('added by '), text.slice('added by '.length)] : [text]
    this.credit.replaceChildren(...shown)
  }

  setTyping (message, where = '') {
    this.typing.textContent = message
    this.typing.hidden = !message
    this.typingWhere.textContent = message ? where : ''
    this.typingWhere.hidden = !message || !where
    this.element.classList.toggle('forum-entry--others-typing', Boolean(message))
  }
}

export class EntriesView {
  // root: the element holding the server-rendered panels (section[data-panel]).
  constructor (root, { editable, actions, onAdd, onFocus, bind, unbind }) {
    this.panels = new Map()
    for (const section of root.querySelectorAll('[data-panel]')) {
      const key = section.dataset.panel
      const panel = {
        key,
        name: section.dataset.panelName,
        section,
        list: section.querySelector('[data-entries]'),
        empty: section.querySelector('[data-empty]'),
        add: section.querySelector('[data-add-entry]')
      }
      if (panel.add) panel.add.addEventListener('click', () => onAdd(key, panel.add))
      this.panels.set(key, panel)
    }
    this.editable = editable
    this.actions = actions
    this.onFocus = onFocus
    this.bind = bind
    this.unbind = unbind
    this.views = new Map() // entry id -> EntryView
  }

  // The chair's cards also offer Spotlight.
  setChair (chair) {
    this.chair = chair
  }

  setEditable (editable) {
    this.editable = editable
    for (const panel of this.panels.values()) {
      if (panel.add) panel.add.hidden = !editable
    }
  }

  // Show exactly these entries, keeping the DOM (and so focus, caret and bindings) of those that stay.
  render (entries) {
    const active = document.activeElement
    const selection = active && active.tagName === 'TEXTAREA'
      ? [active.selectionStart, active.selectionEnd, active.selectionDirection]
      : null
    const wanted = new Set(entries.map(e => e.id))
    for (const [id, view] of this.views) {
      if (!wanted.has(id)) {
        this.unbind(id)
        view.element.remove()
        this.views.delete(id)
      }
    }
    for (const panel of this.panels.values()) {
      const inPanel = entries.filter(e => e.panel === panel.key).sort(byPosition)
      inPanel.forEach((entry, index) => {
        let view = this.views.get(entry.id)
        if (!view) {
          view = new EntryView(entry, panel, this.actions)
          view.textarea.addEventListener('focus', () => this.onFocus(entry.id))
          view.textarea.addEventListener('blur', () => this.onFocus(null))
          this.views.set(entry.id, view)
          this.bind(entry.id, view.textarea)
        }
        view.panel = panel
        view.chair = this.chair
        view.update(entry, panel, index, inPanel.length, this.editable)
        const current = panel.list.children[index]
        if (current !== view.element) panel.list.insertBefore(view.element, current || null)
      })
      panel.empty.hidden = inPanel.length > 0
    }
    if (active && active.isConnected && document.activeElement !== active) {
      active.focus({ preventScroll: true })
      if (selection) active.setSelectionRange(...selection)
    }
  }

  view (entryId) {
    return this.views.get(entryId)
  }

  panel (key) {
    return this.panels.get(key)
  }
}
