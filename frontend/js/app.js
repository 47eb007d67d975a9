// Site-wide script. The CSP forbids inline script, so the classes GOV.UK
// Frontend normally gets from an inline <script> in <body> are set here.
import { initAll } from 'govuk-frontend'
import { initSessionTimeout } from './site/session-timeout.js'
import { initFocusInView } from './site/focus-in-view.js'
import { initCopyButtons } from './site/copy-buttons.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
initSessionTimeout()
initFocusInView()
initCopyButtons()
