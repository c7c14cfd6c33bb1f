// @ts-check
'use strict'
// The echo workload the soak runs (real UDP, `scripts/soak.js`) and the simulation (virtual
// network and clock, `scripts/sim.js`) share: a client echoes streams through a server, each side
// through Web Streams or direct calls, and either side cancels some streams halfway. Every stream
// must end as its plan says: echoed byte-exact, or both sides ended promptly with the cancel's
// error; the server must never read a cancelled stream to a clean end.
const { pattern } = require('./quic.js')

/** Bytes per client write. */
const CHUNK = 16 * 1024

/**
 * @typedef {object} StreamPlan
 * @property {number} streams how many streams the client opens at once
 * @property {number} size bytes each stream carries each way
 * @property {boolean} web the server uses Web Streams (else direct calls)
 * @property {boolean} finWithData the server's direct calls end with the last chunk (`end(chunk)`)
 * @property {boolean} cancels the client cancels every fourth stream halfway (its 4th, 8th, ...)
 * @property {boolean} serverCancels the server cancels every fourth stream (another quarter) halfway
 * @property {boolean} clientWeb the client uses Web Streams (else direct calls)
 */

/**
 * The client's calls on stream `s`: direct, or through its Web Streams.
 * @param {import('../../index').QUICStream} s
 * @param {boolean} web
 */
function clientCalls(s, web) {
  if (!web) {
    return {
      read: () => s.read(),
      /** @param {Uint8Array} b */
      write: (b) => s.write(b),
      end: () => s.end(),
      /** @param {Error} err */
      cancel: (err) => s.cancel(err),
    }
  }
  const reader = s.readable.getReader()
  const writer = s.writable.getWriter()
  return {
    read: async () => {
      const r = await reader.read()
      return r.done ? null : r.value
    },
    /** @param {Uint8Array} b */
    write: (b) => writer.write(b),
    end: () => writer.close(),
    /** @param {Error} err */
    cancel: (err) => {
      writer.abort(err).catch(() => {})
      reader.cancel(err).catch(() => {})
    },
  }
}

/**
 * Whether the server cancels the client's `i`-th stream (it does once it has read half, so an
 * empty stream is never cancelled).
 * @param {StreamPlan} p @param {number} i
 */
const serverCancels = (p, i) => p.serverCancels && p.size > 0 && i % 4 === 1

/**
 * The server's side of one stream: echoes it through Web Streams, or direct calls ending with
 * the last chunk (`end(chunk)`) or with a FIN of its own (`end()`). A stream that ends cleanly
 * short of its size is noted in `truncated`.
 * @param {import('../../index').QUICStream} s
 * @param {StreamPlan} p
 * @param {string[]} truncated
 */
async function echo(s, p, truncated) {
  let got = 0
  const cancelling = serverCancels(p, /** @type {number} */ (s.streamId) / 4)
  /** Cancels the stream once half of it came in (then the echo stops); whether it did. */
  const cancelled = () => {
    if (!cancelling || 2 * got < p.size) return false
    s.cancel(new Error('echo server'))
    return true
  }
  const ended = () => {
    if (got !== p.size) truncated.push(`stream ${s.streamId} ended cleanly after ${got} of ${p.size} bytes`)
  }
  if (p.web) {
    const reader = s.readable.getReader()
    const writer = s.writable.getWriter()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      got += value.length
      if (cancelled()) return
      await writer.write(value)
    }
    ended()
    await writer.close()
    return
  }
  let last = null
  for (let c = await s.read(); c != null; c = await s.read()) {
    got += c.length
    if (cancelled()) return
    if (last != null) await s.write(last)
    last = c
  }
  ended()
  if (last != null && p.finWithData) return s.end(last)
  if (last != null) await s.write(last)
  await s.end()
}

/**
 * The client's side of its `i`-th stream: writes the stream's bytes in CHUNK pieces (cancelling
 * halfway when the plan says), reads the echo, and checks that the stream ended as planned.
 * Rejects with what went wrong.
 * @param {import('../../index').QUICConnection} conn
 * @param {StreamPlan} p
 * @param {number} i
 * @param {number} seed the bytes' seed
 * @param {() => void} onProgress called for each chunk read
 */
async function clientStream(conn, p, i, seed, onProgress) {
  const data = pattern(p.size, seed)
  const s = conn.newStream()
  const calls = clientCalls(s, p.clientWeb)
  const reading = (async () => {
    const parts = []
    for (let c = await calls.read(); c != null; c = await calls.read()) {
      parts.push(c)
      onProgress()
    }
    return Buffer.concat(parts)
  })()
  reading.catch(() => {})
  const cancelAt = p.cancels && i % 4 === 3 ? Math.floor(data.length / CHUNK / 2) * CHUNK : -1
  const serverCancelled = serverCancels(p, i)
  try {
    for (let off = 0; off < data.length; off += CHUNK) {
      if (off === cancelAt) {
        calls.cancel(new Error('echo client'))
        // Both sides end, promptly and without a hang: the read with the cancel's error (a Web
        // Streams reader's cancel ends it as done instead), never with the whole echo.
        const back = await reading.catch(() => null)
        if (back != null && (!p.clientWeb || back.equals(data)))
          throw new Error(`stream ${i}: read to the end after its cancel`)
        return
      }
      await calls.write(data.subarray(off, off + CHUNK))
    }
    await calls.end()
  } catch (e) {
    // The server's STOP_SENDING, when it cancels this stream.
    if (!serverCancelled) throw e
  }
  if (serverCancelled) {
    // The read ends with the server's code too, promptly and without a hang.
    await reading.then(
      () => Promise.reject(new Error(`stream ${i}: read to the end though the server cancelled it`)),
      () => {},
    )
    return
  }
  const back = await reading
  if (!back.equals(data)) throw new Error(`stream ${i}: the echo differs (${back.length} of ${data.length} bytes)`)
}

module.exports = { CHUNK, clientCalls, echo, clientStream, serverCancels }
