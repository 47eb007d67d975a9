// Binds one <textarea> to one Y.Text: local typing becomes CRDT operations,
// remote operations update the textarea while keeping the caret in place, and
// undo/redo (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y) only reverts this user's changes.
import * as Y from 'yjs'

const isHigh = code => code >= 0xd800 && code <= 0xdbff
const isLow = code => code >= 0xdc00 && code <= 0xdfff

// The edit that turns `before` into `after`, anchored at the caret so that
// typing into runs of equal characters lands where the user typed.
export function diffText (before, after, caret = after.length) {
  let endBefore = before.length
  let endAfter = after.length
  while (endBefore > 0 && endAfter > caret && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--
    endAfter--
  }
  let start = 0
  const limit = Math.min(endBefore, endAfter)
  while (start < limit && before[start] === after[start]) start++
  // Never split a surrogate pair.
  if (start > 0 && isHigh(before.charCodeAt(start - 1))) start--
  while (endBefore < before.length && isLow(before.charCodeAt(endBefore))) {
    endBefore++
    endAfter++
  }
  return { index: start, remove: endBefore - start, insert: after.slice(start, endAfter) }
}

// Where an index in the old text ends up after a Yjs delta.
export function transformIndex (delta, index) {
  let oldPos = 0
  let shift = 0
  for (const op of delta) {
    if (oldPos > index) break
    if (op.retain !== undefined) {
      oldPos += op.retain
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1
      if (oldPos < index) shift += length
    } else if (op.delete !== undefined) {
      if (oldPos < index) shift -= Math.min(op.delete, index - oldPos)
      oldPos += op.delete
    }
  }
  return Math.max(0, index + shift)
}

// The position just after the last change in a delta (where undo leaves the caret).
function endOfChange (delta) {
  let pos = 0
  let end = null
  for (const op of delta) {
    if (op.retain !== undefined) pos += op.retain
    else if (op.insert !== undefined) {
      pos += typeof op.insert === 'string' ? op.insert.length : 1
      end = pos
    } else if (op.delete !== undefined) end = pos
  }
  return end
}

export class TextBinding {
  constructor (ytext, textarea, { origin, editable }) {
    this.ytext = ytext
    this.textarea = textarea
    this.origin = origin
    this.editable = editable
    this.value = ytext.toString()
    textarea.value = this.value
    this.undoManager = new Y.UndoManager(ytext, { trackedOrigins: new Set([origin]), captureTimeout: 500 })

    this.onInput = () => this.applyLocal()
    this.onKeydown = event => this.handleKeydown(event)
    this.onBeforeInput = event => this.handleBeforeInput(event)
    this.onRemote = (event, transaction) => this.applyRemote(event, transaction)
    textarea.addEventListener('input', this.onInput)
    textarea.addEventListener('keydown', this.onKeydown)
    textarea.addEventListener('beforeinput', this.onBeforeInput)
    ytext.observe(this.onRemote)
  }

  applyLocal () {
    if (!this.editable) {
      this.textarea.value = this.value
      return
    }
    const after = this.textarea.value
    if (after === this.value) return
    const edit = diffText(this.value, after, this.textarea.selectionEnd)
    this.value = after
    this.ytext.doc.transact(() => {
      if (edit.remove) this.ytext.delete(edit.index, edit.remove)
      if (edit.insert) this.ytext.insert(edit.index, edit.insert)
    }, this.origin)
  }

  applyRemote (event, transaction) {
    const text = this.ytext.toString()
    if (transaction.origin === this.origin && text === this.textarea.value) {
      this.value = text
      return
    }
    const textarea = this.textarea
    const focused = document.activeElement === textarea
    let start = textarea.selectionStart
    let end = textarea.selectionEnd
    const direction = textarea.selectionDirection
    if (transaction.origin === this.undoManager) {
      const caret = endOfChange(event.delta)
      if (caret !== null) start = end = caret
    } else {
      start = transformIndex(event.delta, start)
      end = transformIndex(event.delta, end)
      // Where someone else is writing, to show it beside the text ("after “… half term”").
      const at = endOfChange(event.delta)
      if (at !== null && transaction.origin !== this.origin) this.remoteAt = { index: at, time: Date.now() }
    }
    const scrollTop = textarea.scrollTop
    textarea.value = text
    this.value = text
    textarea.scrollTop = scrollTop
    if (focused) textarea.setSelectionRange(start, end, direction)
  }

  handleKeydown (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return
    const key = event.key.toLowerCase()
    if (key === 'z' && !event.shiftKey) this.history(event, 'undo')
    else if ((key === 'z' && event.shiftKey) || key === 'y') this.history(event, 'redo')
  }

  handleBeforeInput (event) {
    if (event.inputType === 'historyUndo') this.history(event, 'undo')
    else if (event.inputType === 'historyRedo') this.history(event, 'redo')
  }

  history (event, action) {
    event.preventDefault()
    if (!this.editable) return
    this.applyLocal() // anything typed but not yet seen as input
    if (action === 'undo') this.undoManager.undo()
    else this.undoManager.redo()
  }

  setEditable (editable) {
    this.editable = editable
  }

  destroy () {
    this.ytext.unobserve(this.onRemote)
    this.undoManager.destroy()
    this.textarea.removeEventListener('input', this.onInput)
    this.textarea.removeEventListener('keydown', this.onKeydown)
    this.textarea.removeEventListener('beforeinput', this.onBeforeInput)
  }
}
