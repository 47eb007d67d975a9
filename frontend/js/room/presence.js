// The presence list (name, agency, role) and who-is-typing markers.
import { h, hidden } from './dom.js'
import { agencyBadge } from './entries-view.js'

const ROLE_NAMES = { chair: 'chair', contributor: 'contributor', observer: 'observer' }

export class Presence {
  constructor (list, announcer) {
    this.list = list
    this.announcer = announcer
    this.people = []
    this.me = null
  }

  // Replace the people in the room; announce who joined or left (not on first load).
  update (people, { announce = true } = {}) {
    const before = new Map(this.people.map(p => [p.user, p]))
    const after = new Map(people.map(p => [p.user, p]))
    if (announce) {
      for (const [user, person] of after) {
        if (!before.has(user) && user !== this.me) this.announcer.say(`${person.name} joined`)
      }
      for (const [user, person] of before) {
        if (!after.has(user) && user !== this.me) this.announcer.say(`${person.name} left`)
      }
    }
    this.people = people
    this.render()
  }

  render () {
    // One short pill each: the agency's badge and the name; agency and role are read out.
    const items = this.people.map(person => h('li', { class: 'forum-presence__item', 'data-user': person.user, title: `${person.agency}, ${ROLE_NAMES[person.role] || person.role}` }, [
      agencyBadge(person.agency),
      h('strong', { text: person.name }),
      person.user === this.me ? ' (you)' : null,
      hidden(`, ${person.agency}, ${ROLE_NAMES[person.role] || person.role}`)
    ]))
    if (!items.length) items.push(h('li', { class: 'forum-presence__item', text: 'Only you' }))
    this.list.replaceChildren(...items)
  }

  // Other people editing the given entry.
  editing (entryId) {
    return this.people.filter(p => p.editing === entryId && p.user !== this.me)
  }

  // "Jo Nurse is typing", "Jo Nurse and Sam Teacher are typing", or ''.
  typingMessage (entryId) {
    const names = this.editing(entryId).map(p => p.name)
    if (!names.length) return ''
    if (names.length === 1) return `${names[0]} is typing`
    return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} are typing`
  }
}
