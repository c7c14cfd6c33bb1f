// @ts-check
'use strict'
// ConnectionPoll: one native poll report turned into what it means for a connection: streams
// opened, readable, writable or stopped by the peer (each a wake-up of that stream), stream
// credit for local streams that wait for it, datagrams, connection ids and path events, and the
// handshake's end. The report's layout is the addon's (`pollLayout()`), defined once in Rust.

const native = require('./native.js')
const events = require('./events.js')

const { fast } = native
const layout = Object.freeze(native.pollLayout())
const { flags: FLAGS, opened: OPENED, readable: READABLE, writable: WRITABLE, ids: IDS } = layout
const { established: ESTABLISHED, inEarlyData: IN_EARLY_DATA, extras: EXTRAS, more: MORE } = layout
/** The header and room for this many stream ids; more come in further calls. */
const POLL_SLOTS = IDS + 1024
/** One poll array for every connection: polls run one at a time, but for a listener's nested poll. */
const pollOut = new Float64Array(POLL_SLOTS)
let servicing = false

/** Whether a poll is being handled (a write from one of its listeners is a reply). */
function isServicing() {
  return servicing
}

/**
 * Everything the native side of `conn` reports, handled (one poll array per nesting level).
 * @param {import('./QUICConnection.js')} conn
 */
function poll(conn) {
  // A listener may poll another connection from inside this one: it gets its own array.
  const out = servicing ? new Float64Array(POLL_SLOTS) : pollOut
  const outer = !servicing
  servicing = true
  try {
    handle(conn, out)
  } finally {
    if (outer) servicing = false
  }
}

/**
 * One `pollInto` report (several when more stream ids changed than fit).
 * @param {import('./QUICConnection.js')} conn
 * @param {Float64Array} out
 */
function handle(conn, out) {
  const streams = conn.streams
  let flags = 0
  do {
    fast.pollInto(conn.handle, out)
    flags = out[FLAGS]
    if ((flags & EXTRAS) !== 0) conn.handleExtras(conn.native.pollExtras())
    if (
      conn.state === 'starting' &&
      !conn.verifying &&
      ((flags & ESTABLISHED) !== 0 || (conn.earlyData && (flags & IN_EARLY_DATA) !== 0))
    )
      conn.verify()
    let i = IDS
    for (const end = i + out[OPENED]; i < end; i++) conn.table.peerStream(out[i])
    for (const end = i + out[READABLE]; i < end; i++) streams.get(out[i])?.onReadable()
    for (const end = i + out[WRITABLE]; i < end; i++) {
      const id = out[i]
      // A stream the peer stopped comes as -id - 1; its code is taken even for a stream JS
      // no longer holds, so none is left behind.
      if (id >= 0) streams.get(id)?.onWritable()
      else {
        const code = conn.native.takeStopCode(-id - 1)
        streams.get(-id - 1)?.onStopped(code ?? 0)
      }
    }
  } while ((flags & MORE) !== 0)
  const bidi = out[layout.streamsLeftBidi] > 0
  const uni = out[layout.streamsLeftUni] > 0
  if (bidi || uni) conn.table.credit(bidi, uni)
  // Like early streams, early datagrams wait (in quiche's bounded queue) until the user can listen.
  if (out[layout.dgramsReadable] > 0 && conn.table.announced) {
    conn.emit(events.EventQUICConnectionDatagram, { detail: conn.native.dgramRecvAll() })
  }
}

module.exports = { poll, isServicing, layout }
