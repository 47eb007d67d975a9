// Removal that can be seen and undone: removing someone else's entry asks
// first; its author gets a visible notice naming who removed it; removed
// entries are listed (text, author, who removed it, when) and the remover, the
// author or the chair can restore one until the lock (entry:restore).
import { h } from './dom.js'
import { button, buttonGroup, formatDate, textStart } from './facilitation-dom.js'

const ACK_TIMEOUT_MS = 15000
const who = p => (p ? `${p.name} (${p.agency})` : 'someone')

export class Removals {
  constructor (room, container, notices) {
    this.room = room
    this.container = container
    this.notices = notices
    this.removed = []
    this.list = h('ul', { class: 'govuk-list forum-removed', 'data-removed-list': '' })
    if (container) {
      container.replaceChildren(
        h('h2', { class: 'govuk-heading-m', id: 'forum-removed-title', text: 'Removed entries' }),
        h('p', { class: 'govuk-hint', text: 'Removed entries stay here until the plan is locked. Whoever removed one, its author or the chair can restore it.' }),
        this.list
      )
    }
    room.socket.on('entries', message => this.changed(message))
  }

  joined (ack) {
    this.removed = ack.removed || []
    this.render()
  }

  changed (message) {
    if (!message || message.forum !== this.room.forumId) return
    this.removed = message.removed || []
    this.render()
    const change = message.change
    const me = this.room.me
    if (change && change.kind === 'removed' && me && change.author === me.user && change.by && change.by.user !== me.user) {
      this.notify(change)
    }
    if (change && change.kind === 'restored') this.clearNotice(change.entry)
  }

  mayRestore (entry) {
    const me = this.room.me
    if (!me || !this.room.canEdit()) return false
    return me.role === 'chair' || this.room.role === 'chair' || entry.author.user === me.user || (entry.removed_by && entry.removed_by.user === me.user)
  }

  panelName (key) {
    const panel = this.room.panelsByKey.get(key)
    return panel ? panel.name : key
  }

  render () {
    if (!this.container) return
    const items = this.removed.map(entry => {
      const text = this.room.textOf(`entry:${entry.id}`) || '(no text)'
      const children = [
        h('p', { class: 'govuk-body govuk-!-margin-bottom-1' }, [h('strong', { text: `${this.panelName(entry.panel)}: ` }), h('span', { class: 'forum-removed__text', text: textStart(text, 200) })]),
        h('p', { class: 'govuk-hint govuk-!-margin-bottom-1', text: `Added by ${who(entry.author)}. Removed by ${who(entry.removed_by)} on ${formatDate(entry.removed_at, { time: true })}.` })
      ]
      if (this.mayRestore(entry)) {
        children.push(button('Restore', () => this.restore(entry.id), { key: `restore-${entry.id}`, more: `: ${textStart(text, 40)}` }))
      }
      return h('li', { class: 'forum-removed__item', 'data-removed-entry': entry.id }, children)
    })
    if (!items.length) items.push(h('li', { class: 'govuk-body', text: 'No entries have been removed.' }))
    this.container.hidden = !this.removed.length // nothing to show or restore: no space taken
    const active = document.activeElement
    const key = active && this.list.contains(active) ? active.dataset.key : null
    this.list.replaceChildren(...items)
    const again = key && this.list.querySelector(`[data-key="${key}"]`)
    if (again) again.focus()
  }

  notify (change) {
    if (!this.notices) return
    this.clearNotice(change.entry)
    const text = textStart(this.room.textOf(`entry:${change.entry}`) || '', 80)
    const titleId = `forum-removal-${change.entry}`
    const banner = h('div', { class: 'govuk-notification-banner', role: 'region', 'aria-labelledby': titleId, 'data-removal-notice': change.entry }, [
      h('div', { class: 'govuk-notification-banner__header' }, [h('h2', { class: 'govuk-notification-banner__title', id: titleId, text: 'Your entry was removed' })]),
      h('div', { class: 'govuk-notification-banner__content' }, [
        h('p', { class: 'govuk-notification-banner__heading', text: `${who(change.by)} removed your entry${text ? ` “${text}”` : ''} from ${this.panelName(change.panel)}.` }),
        buttonGroup([
          button('Restore it', () => this.restore(change.entry), { key: `notice-restore-${change.entry}`, secondary: false }),
          button('Dismiss', () => this.clearNotice(change.entry), { key: `notice-dismiss-${change.entry}`, more: ': your entry was removed' })
        ])
      ])
    ])
    this.notices.append(banner)
    this.room.announcer.say(`${change.by.name} removed your entry from ${this.panelName(change.panel)}`)
  }

  clearNotice (entryId) {
    if (!this.notices) return
    for (const element of this.notices.querySelectorAll(`[data-removal-notice="${entryId}"]`)) element.remove()
  }

  restore (entryId) {
    const room = this.room
    room.socket.timeout(ACK_TIMEOUT_MS).emit('entry:restore', { forum: room.forumId, entry: entryId }, (timeout, ack) => {
      if (timeout || !ack || !ack.ok) {
        const message = (ack && ack.error && ack.error.message) || 'The server did not answer in time; try again.'
        room.refusals.problem('action:restore', 'The entry was not restored', message)
        return
      }
      this.clearNotice(entryId)
      room.announcer.say('Entry restored')
      const view = room.view.view(entryId)
      if (view) view.textarea.focus()
    })
  }

  // Removing someone else's entry asks first, inside the entry.
  confirm (entryId, proceed) {
    const room = this.room
    const entry = room.entries.find(e => e.id === entryId)
    const view = room.view.view(entryId)
    if (!entry || !view || !room.me || entry.author.user === room.me.user) return proceed()
    if (view.element.querySelector('[data-remove-confirm]')) return
    const title = h('p', { class: 'govuk-body govuk-!-font-weight-bold', tabindex: '-1', text: `Remove ${entry.author.name}’s entry (${entry.author.agency})?` })
    const box = h('div', { class: 'forum-confirm', 'data-remove-confirm': '' }, [
      title,
      h('p', { class: 'govuk-body', text: 'They will see that you removed it. It can be restored until the plan is locked.' }),
      buttonGroup([
        button('Yes, remove it', () => { box.remove(); proceed() }, { key: `remove-yes-${entryId}`, warning: true, secondary: false }),
        button('Cancel', () => { box.remove(); view.buttons.remove.element.focus() }, { key: `remove-no-${entryId}` })
      ])
    ])
    view.element.append(box)
    title.focus()
  }
}
