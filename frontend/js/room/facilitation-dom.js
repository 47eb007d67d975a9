// GOV.UK Frontend form pieces for the facilitation views, built as elements
// (the CSP forbids inline script and HTML strings), and a re-render that keeps
// keyboard focus on the element with the same data-key.
import { h, hidden } from './dom.js'

let counter = 0
export const uid = prefix => `${prefix}-${++counter}`

export const personName = person => person ? `${person.name} (${person.agency})` : ''

// The first words of a text, for button names and lists ("Vote for: Rent arrears…").
export function textStart (text, length = 60) {
  const clean = (text || '').replace(/\s+/g, ' ').trim()
  if (!clean) return '(empty)'
  return clean.length > length ? `${clean.slice(0, length - 1).trimEnd()}…` : clean
}

// A GOV.UK button; `more` extends its accessible name ("Vote" + ": Rent arrears…").
export function button (text, onClick, { secondary = true, warning = false, key, more, classes = '' } = {}) {
  const kind = warning ? 'govuk-button--warning' : secondary ? 'govuk-button--secondary' : ''
  const element = h('button', { type: 'button', class: `govuk-button ${kind} ${classes}`.trim(), 'data-key': key, text })
  setMore(element, more)
  element.addEventListener('click', () => onClick(element))
  return element
}

// The accessible name starts with the visible text (WCAG 2.5.3), then says which item.
export function setMore (element, more) {
  if (more) element.setAttribute('aria-label', `${element.textContent}${more}`)
  else element.removeAttribute('aria-label')
}

export function buttonGroup (buttons) {
  return h('div', { class: 'govuk-button-group' }, buttons)
}

// Replace a container's children; focus returns to the element with the same data-key.
export function replaceKeepingFocus (container, children) {
  const active = document.activeElement
  const key = active && container.contains(active) ? active.dataset.key : null
  container.replaceChildren(...children)
  if (!key) return
  const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`)
  if (again && !again.disabled) again.focus({ preventScroll: true })
}

export function formGroup (children, { error = false } = {}) {
  return h('div', { class: `govuk-form-group${error ? ' govuk-form-group--error' : ''}` }, children)
}

export function label (text, forId, { size = 's', more } = {}) {
  return h('label', { class: `govuk-label${size ? ` govuk-label--${size}` : ''}`, for: forId }, [text, more !== undefined ? hidden(more) : null])
}

export function hint (text, id) {
  return h('div', { class: 'govuk-hint', id, text })
}

// A labelled <select>: options [{value, text}]; value '' means "none".
export function selectField (labelText, options, { key, more, hintText, onChange } = {}) {
  const id = uid('forum-select')
  const hintId = hintText ? `${id}-hint` : null
  const select = h('select', { class: 'govuk-select', id, 'data-key': key, 'aria-describedby': hintId })
  setOptions(select, options, '')
  if (onChange) select.addEventListener('change', () => onChange(select.value, select))
  const group = formGroup([label(labelText, id, { size: null, more }), hintText ? hint(hintText, hintId) : null, select])
  return { group, select }
}

export function setOptions (select, options, value) {
  const same = select.options.length === options.length &&
    options.every((option, i) => select.options[i].value === option.value && select.options[i].text === option.text)
  if (!same) select.replaceChildren(...options.map(o => h('option', { value: o.value, text: o.text })))
  select.value = value
}

export function textareaField (labelText, { key, hintText, rows = 3, more, size = null } = {}) {
  const id = uid('forum-text')
  const hintId = hintText ? `${id}-hint` : null
  const textarea = h('textarea', { class: 'govuk-textarea forum-text', id, rows, 'data-key': key, 'aria-describedby': hintId, spellcheck: 'true' })
  const errorMessage = h('p', { class: 'govuk-error-message', id: `${id}-error`, hidden: true })
  const group = formGroup([label(labelText, id, { size, more }), hintText ? hint(hintText, hintId) : null, errorMessage, textarea])
  return { group, textarea, errorMessage }
}

export function dateField (labelText, { key, hintText, more, onChange } = {}) {
  const id = uid('forum-date')
  const hintId = hintText ? `${id}-hint` : null
  const input = h('input', { type: 'date', class: 'govuk-input govuk-input--width-10', id, 'data-key': key, 'aria-describedby': hintId })
  if (onChange) input.addEventListener('change', () => onChange(input.value, input))
  const group = formGroup([label(labelText, id, { size: null, more }), hintText ? hint(hintText, hintId) : null, input])
  return { group, input }
}

// GOV.UK radios in a fieldset: items [{value, text}].
export function radiosField (legendText, items, { name = uid('forum-radios'), hintText, inline = false, onChange } = {}) {
  const hintId = hintText ? `${name}-hint` : null
  const errorMessage = h('p', { class: 'govuk-error-message', id: `${name}-error`, hidden: true })
  const inputs = items.map((item, index) => {
    const id = `${name}-${index}`
    const input = h('input', { class: 'govuk-radios__input', id, name, type: 'radio', value: item.value, 'data-key': `${name}:${item.value}` })
    if (onChange) input.addEventListener('change', () => onChange(item.value))
    return { input, element: h('div', { class: 'govuk-radios__item' }, [input, h('label', { class: 'govuk-label govuk-radios__label', for: id, text: item.text })]) }
  })
  const fieldset = h('fieldset', { class: 'govuk-fieldset', 'aria-describedby': hintId }, [
    h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s', text: legendText }),
    hintText ? hint(hintText, hintId) : null,
    errorMessage,
    h('div', { class: `govuk-radios govuk-radios--small${inline ? ' govuk-radios--inline' : ''}` }, inputs.map(i => i.element))
  ])
  const group = formGroup([fieldset])
  return {
    group,
    errorMessage,
    inputs: inputs.map(i => i.input),
    value: () => (inputs.find(i => i.input.checked) || { input: { value: null } }).input.value,
    set: value => { for (const { input } of inputs) input.checked = input.value === value },
    first: () => inputs[0].input
  }
}

// Show an error message on a field (GOV.UK style) or clear it.
export function fieldError (group, errorMessage, message) {
  group.classList.toggle('govuk-form-group--error', Boolean(message))
  errorMessage.hidden = !message
  errorMessage.replaceChildren(...(message ? [hidden('Error: '), message] : []))
}

// A link from an error summary that moves the focus to its field (without the GOV.UK script).
function fieldLink (item) {
  const link = h('a', { href: item.href, text: item.text })
  link.addEventListener('click', event => {
    const target = document.getElementById(item.href.slice(1))
    if (!target) return
    event.preventDefault()
    target.scrollIntoView({ block: 'center' })
    target.focus()
  })
  return link
}

// A GOV.UK error summary: items [{text, href}]; focused so the problem is heard first.
export function errorSummary (title, items) {
  return h('div', { class: 'govuk-error-summary', tabindex: '-1', 'data-key': 'error-summary' }, [
    h('div', { role: 'alert' }, [
      h('h3', { class: 'govuk-error-summary__title', text: title }),
      h('div', { class: 'govuk-error-summary__body' }, [
        h('ul', { class: 'govuk-list govuk-error-summary__list' }, items.map(item => h('li', {}, [
          item.href ? fieldLink(item) : item.text
        ])))
      ])
    ])
  ])
}

export function summaryList (rows) {
  return h('dl', { class: 'govuk-summary-list' }, rows.map(([key, value]) => h('div', { class: 'govuk-summary-list__row' }, [
    h('dt', { class: 'govuk-summary-list__key', text: key }),
    h('dd', { class: 'govuk-summary-list__value' }, [value])
  ])))
}

// "15 September 2026" / "15 September 2026 at 10:02" in UK time.
export function formatDate (iso, { time = false } = {}) {
  if (!iso) return ''
  const date = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso)
  const options = { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' }
  const day = date.toLocaleDateString('en-GB', options)
  return time ? `${day} at ${date.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' })}` : day
}
