// Hypothesis stage: one shared text, co-edited by everyone (the `hypothesis` root).
import { h } from './dom.js'
import { textareaField } from './facilitation-dom.js'

export class HypothesisView {
  constructor (facilitation, container) {
    this.f = facilitation
    const field = textareaField('The hypothesis', {
      key: 'hypothesis',
      rows: 8,
      size: 'm',
      hintText: 'What keeps the presenting issues going? Everyone can write here at the same time.'
    })
    this.textarea = field.textarea
    container.replaceChildren(
      h('p', { class: 'govuk-body', text: 'Build one working theory together, drawing on the perpetuating and protective factors beside it (all 6Ps are under Gather).' }),
      field.group
    )
    facilitation.room.bindRoot('hypothesis', this.textarea, 'The hypothesis')
  }

  render () {
    this.textarea.readOnly = !this.f.canWrite()
  }
}
