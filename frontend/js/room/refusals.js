// Errors shown on the page, GOV.UK error-summary style. A refused edit is
// never dropped silently: its text is kept in a read-only box to copy.
import { h } from './dom.js'

let counter = 0

export class Refusals {
  constructor (container) {
    this.container = container
    this.shown = new Map() // key -> element
  }

  // A message without text to keep (a refused add, remove or move, a lost connection).
  problem (key, title, message) {
    this.show(key, title, [h('p', { class: 'govuk-body', text: message })])
  }

  // An edit the server refused: say so, and keep each affected entry's text to copy.
  refusedEdit (key, message, texts) {
    const body = [h('p', { class: 'govuk-body', text: message })]
    for (const { label, text } of texts) {
      const id = `forum-refused-${++counter}`
      body.push(h('div', { class: 'govuk-form-group' }, [
        h('label', { class: 'govuk-label govuk-label--s', for: id, text: `Your text for ${label} (copy it to keep it)` }),
        h('textarea', { class: 'govuk-textarea forum-refused__text', id, rows: 4, readonly: true, 'data-refused-text': '' }, [text])
      ]))
    }
    this.show(key, 'Your change was not saved', body)
  }

  show (key, title, body) {
    this.clear(key)
    const titleId = `forum-problem-${++counter}`
    const dismiss = h('button', { type: 'button', class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0' }, [
      'Dismiss', h('span', { class: 'govuk-visually-hidden', text: ` message: ${title}` }) // leading space: the name reads 'Dismiss message: …'
    ])
    const element = h('div', { class: 'govuk-error-summary forum-problem', 'data-problem': key }, [
      h('div', { role: 'alert' }, [
        h('h2', { class: 'govuk-error-summary__title', id: titleId, text: title }),
        h('div', { class: 'govuk-error-summary__body' }, body)
      ]),
      dismiss
    ])
    dismiss.addEventListener('click', () => this.clear(key))
    this.shown.set(key, element)
    this.container.append(element)
  }

  clear (key) {
    const element = this.shown.get(key)
    if (element) element.remove()
    this.shown.delete(key)
  }

  has (key) {
    return this.shown.has(key)
  }
}
