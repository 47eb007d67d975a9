// Live room entry point: starts the room client on the forum page. The page
// carries its configuration in data-* attributes (the CSP forbids inline script).
import { LiveRoom } from './room/live-room.js'

const root = document.querySelector('[data-forum-room]')
if (root) {
  const room = new LiveRoom(root)
  // Listening is activity: the site script keeps the session alive while this is set and the page
  // is visible (frontend/js/site/session-timeout.js).
  setInterval(() => root.toggleAttribute('data-listening', room.joined && room.socket.connected), 1000)
  // A small hook for browser tests and support: the document and the save state.
  window.forumRoom = {
    doc: room.doc,
    status: () => room.status(),
    announcements: () => room.announcer.history.slice(),
    disconnect: () => room.socket.disconnect(),
    connect: () => room.socket.connect()
  }
}
