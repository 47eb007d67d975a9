// The durable peer of `make bench`: Hocuspocus 3 (npm @hocuspocus/server, a pinned devDependency)
// with a write-ahead hook, so that it keeps the forum server's promise: every update is on disk
// (written and fdatasync'd) BEFORE it is applied, relayed and acknowledged.
//
// The hook is `beforeHandleMessage`, which Hocuspocus awaits before it handles a message: a Sync
// message carrying an update (sync step 2 or update) is appended to a write-ahead log and the
// promise resolves only after the log is synced. Appends are group-committed the way
// forum/services/group_commit.py commits: the first waiting update leads, yields once (setImmediate)
// so that the others queue behind it, then all queued records are written with one write and one
// fdatasync (SQLite with synchronous=FULL in WAL mode syncs its log with fdatasync on Linux; the
// file write runs on libuv's thread pool, so the event loop goes on meanwhile); those waiting for
// the next batch are written right after. Records resolve in arrival order, so each connection's
// messages are still handled in order. A document is loaded by applying its records from the log.
//
// Run: node bench/peer/server.mjs PORT LOG_PATH [ACK_DELAY_MS]; a delay holds every stored update back
// before Hocuspocus handles (and so acknowledges) it: the flow-control tests use it for a slow server.
// Log record: u32 LE length of the rest, u16 LE length of the document name, the name (UTF-8), the update.

import { open, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { Server } from "@hocuspocus/server";
import * as Y from "yjs";

const port = Number(process.argv[2]);
const logPath = process.argv[3];
const ackDelay = Number(process.argv[4] ?? 0);

const log = await open(logPath, "a");
let queue = [];
let writing = false;

function readVarUint(data, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = data[at.pos++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return value;
    shift += 7;
  }
}

function record(name, update) {
  const nameBytes = Buffer.from(name, "utf8");
  const head = Buffer.alloc(6);
  head.writeUInt32LE(2 + nameBytes.length + update.length, 0);
  head.writeUInt16LE(nameBytes.length, 4);
  return Buffer.concat([head, nameBytes, update]);
}

async function flush() {
  writing = true;
  await new Promise((resolve) => setImmediate(resolve)); // yield once: let the others queue
  while (queue.length) {
    const batch = queue;
    queue = [];
    try {
      await log.write(Buffer.concat(batch.map((item) => item.bytes)));
      await log.datasync();
      for (const item of batch) item.resolve();
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
  writing = false;
}

function writeAhead(name, update) {
  return new Promise((resolve, reject) => {
    queue.push({ bytes: record(name, update), resolve, reject });
    if (!writing) flush();
  });
}

function storedUpdates(name) {
  // Every update of the document, in the order they were stored.
  return readFile(logPath).then((data) => {
    const updates = [];
    let at = 0;
    while (at + 6 <= data.length) {
      const length = data.readUInt32LE(at);
      const nameLength = data.readUInt16LE(at + 4);
      const recordName = data.toString("utf8", at + 6, at + 6 + nameLength);
      if (recordName === name) updates.push(data.subarray(at + 6 + nameLength, at + 4 + length));
      at += 4 + length;
    }
    return updates;
  });
}

const server = new Server({
  port,
  address: "127.0.0.1",
  quiet: true,
  // Same promise as the forum server: stored before applied, relayed and acknowledged.
  async beforeHandleMessage({ documentName, update }) {
    const data = update;
    const at = { pos: 0 };
    const nameLength = readVarUint(data, at);
    at.pos += nameLength;
    if (readVarUint(data, at) !== 0) return; // not a Sync message (awareness, auth, ...)
    const step = readVarUint(data, at);
    if (step !== 1 && step !== 2) return; // sync step 1 carries a state vector, not an update
    const length = readVarUint(data, at);
    const payload = data.subarray(at.pos, at.pos + length);
    await writeAhead(documentName, payload);
    if (ackDelay) await new Promise((resolve) => setTimeout(resolve, ackDelay));
  },
  async onLoadDocument({ documentName, document }) {
    if (!existsSync(logPath)) return document;
    const updates = await storedUpdates(documentName);
    if (updates.length) {
      Y.transact(document, () => {
        for (const update of updates) Y.applyUpdate(document, update);
      });
    }
    return document;
  },
});

await server.listen();
console.log(`peer listening on ${port}`);
