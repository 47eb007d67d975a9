// Who wrote and changed each text (docs/protocol.md "Attribution"): the join
// acknowledgement carries every root's contributors, and each relayed update
// names its sender and the roots it changed, so the lines stay current.
// "Is typing" means someone's updates to that text are arriving: it is shown
// for TYPING_MS after their last one, for entries and the plan's texts alike.
import { h } from './dom.js'

const TYPING_MS = 4000

const who = p => `${p.name} (${p.agency})`

export class Attribution {
  constructor (room) {
    this.room = room
    this.contributors = new Map() // root -> [{ user, name, agency, role }]
    this.typing = new Map() // root -> Map(user -> timestamp of their last update)
    this.credits = new Map() // root -> element showing the plan text's line (entries use their view)
    this.timer = null
    room.socket.on('update', message => this.arrived(message))
    this.watch(room.doc)
  }

  // This user's own typing (the server does not echo it back): they become a contributor too.
  // Called again when the room rebuilds its document after a refusal.
  watch (doc) {
    const room = this.room
    doc.on('afterTransaction', transaction => {
      if (transaction.origin !== room.origin || !room.me) return
      const roots = []
      for (const type of transaction.changed.keys()) {
        const key = room.textToEntry.get(type)
        if (key !== undefined) roots.push(typeof key === 'string' ? key : `entry:${key}`)
      }
      if (roots.length && roots.some(root => this.note(root, room.me))) this.refresh()
    })
  }

  // Add a contributor to a root unless already listed; whether it was new.
  note (root, person) {
    const list = this.contributors.get(root) || []
    if (list.some(p => p.user === person.user)) return false
    list.push({ user: person.user, name: person.name, agency: person.agency, role: 'editor' })
    this.contributors.set(root, list)
    return true
  }

  joined (ack) {
    this.contributors = new Map(Object.entries(ack.contributors || {}))
    this.refresh()
  }

  arrived (message) {
    if (!message || message.forum !== this.room.forumId) return
    // One relayed update may carry a batch of several people's changes: each author and their roots.
    const authors = message.authors || (message.by ? [{ by: message.by, roots: message.roots }] : [])
    const now = Date.now()
    let seen = false
    for (const { by, roots } of authors) {
      const person = this.room.facilitation.participant(by)
      if (!person) continue
      seen = true
      for (const root of roots || []) {
        this.note(root, person)
        if (!this.typing.has(root)) this.typing.set(root, new Map())
        this.typing.get(root).set(by, now)
      }
    }
    if (!seen) return
    this.refresh()
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.refresh(), TYPING_MS + 50)
  }

  // "added by Alex Teacher (School) · edited by Hana Okafor (Housing)". An entry's author is
  // known from the entry; for the plan's texts the server lists the author first.
  line (root, author) {
    const list = this.contributors.get(root) || []
    const first = author || list[0]
    const editors = list.filter(p => !first || p.user !== first.user)
    const parts = []
    if (first) parts.push(`${author ? 'added' : 'written'} by ${who(first)}`)
    if (editors.length) parts.push(`edited by ${editors.map(who).join(', ')}`)
    return parts.join(' · ')
  }

  typingMessage (root) {
    const since = Date.now() - TYPING_MS
    const names = [...(this.typing.get(root) || new Map())]
      .filter(([user, at]) => at > since && (!this.room.me || user !== this.room.me.user))
      .map(([user]) => (this.room.facilitation.participant(user) || { name: 'Someone' }).name)
    if (!names.length) return ''
    return names.length === 1 ? `${names[0]} is typing` : `${names.join(' and ')} are typing`
  }

  // Where the one person typing in a root is writing: the words just before their last change.
  whereTyping (root) {
    const since = Date.now() - TYPING_MS
    const typists = [...(this.typing.get(root) || new Map())].filter(([user, at]) => at > since && (!this.room.me || user !== this.room.me.user))
    const binding = this.room.bindings.get(root.startsWith('entry:') ? Number(root.slice(6)) : root)
    const at = binding && binding.remoteAt
    if (typists.length !== 1 || !at || at.time < since) return ''
    const before = binding.value.slice(0, at.index).replace(/\s+/g, ' ').trimEnd()
    if (!before) return 'writing at the start'
    const words = before.split(' ').slice(-4).join(' ')
    return `writing after “${words.length < before.length ? '…' : ''}${words}”`
  }

  // A plan text's textarea: a line under it for its attribution and who is typing.
  attach (root, textarea) {
    let credit = this.credits.get(root)
    if (!credit || !credit.isConnected) {
      credit = h('p', { class: 'govuk-hint forum-credit', id: `${textarea.id || root.replace(/:/g, '-')}-credit`, 'data-credit': root })
      textarea.after(credit)
      const described = (textarea.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
      if (!described.includes(credit.id)) textarea.setAttribute('aria-describedby', [...described, credit.id].join(' '))
      this.credits.set(root, credit)
    }
    this.show(root, credit)
  }

  // The line under a shared text; while someone else writes in it, their name is marked on the
  // text itself (a bar beside it and "Priya Health Visitor is typing" in bold).
  show (root, credit) {
    const line = this.line(root)
    const typing = this.typingMessage(root)
    const where = typing ? this.whereTyping(root) : ''
    const text = [line, typing, where].filter(Boolean).join(' · ')
    if (credit.textContent !== text) {
      credit.replaceChildren(...[line, line && typing ? ' · ' : null, typing ? h('strong', { class: 'forum-credit__typing', text: typing }) : null, where ? ` · ${where}` : null].filter(Boolean))
    }
    credit.hidden = !text
    credit.classList.toggle('forum-credit--typing', Boolean(typing))
    const textarea = credit.previousElementSibling
    if (textarea && textarea.tagName === 'TEXTAREA') textarea.classList.toggle('forum-text--others-typing', Boolean(typing))
  }

  refresh () {
    for (const [root, credit] of this.credits) {
      if (credit.isConnected) this.show(root, credit)
      else this.credits.delete(root)
    }
    this.room.updateTyping()
  }
}
