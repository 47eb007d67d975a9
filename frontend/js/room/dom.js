// A small element builder: the CSP forbids inline handlers and styles, so the
// room's markup is built from elements, never from HTML strings.

export function h (tag, attributes = {}, children = []) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue
    if (name === 'class') element.className = value
    else if (name === 'text') element.textContent = value
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return element
}

export function hidden (text) {
  return h('span', { class: 'govuk-visually-hidden', text })
}
