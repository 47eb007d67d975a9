// Live room client (placeholder). The real Yjs + Socket.IO client goes here.
// Re-exporting the two libraries keeps them in the bundle, so the build
// proves both resolve and bundle for the browser.
import * as Y from 'yjs'
import { io } from 'socket.io-client'

export { Y, io }
