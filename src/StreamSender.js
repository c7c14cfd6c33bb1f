// @ts-check
'use strict'
// StreamSender: a QUIC stream's write half as one explicit state (quinn's SendState, aioquic's
// QuicStreamSender). SEND while bytes may be written; then, through `close` and nothing else, one
// of DATA_SENT (the FIN was handed to quiche), RESET_SENT (this side aborted: RESET_STREAM),
// STOP_RECVD (the peer's STOP_SENDING), FAILED (the connection ended, the stream was destroyed or
// a write failed). A peer's unidirectional stream starts in NONE. The writable and the direct
// `write()` / `end()` are two adapters over the half, locked against each other; both hand bytes
// to quiche as its capacity (the peer's flow-control window) allows and wait for capacity
// otherwise: that is the backpressure.

const { clock } = require('./clock.js')
const errors = require('./errors.js')
const { fast } = require('./native.js')
const events = require('./events.js')
const StreamHalf = require('./StreamHalf.js')

/** The write half's states. */
const SendState = Object.freeze({
  SEND: 'send',
  DATA_SENT: 'data-sent',
  RESET_SENT: 'reset-sent',
  STOP_RECVD: 'stop-recvd',
  FAILED: 'failed',
  NONE: 'none',
})

/** A writer blocked on capacity is woken once this much fits: about one packet. */
const WRITE_LOW_WATER = 1200
const EMPTY = new Uint8Array(0)
/** What a write that the stream took at once returns. */
const DONE = Promise.resolve()

/** @extends {StreamHalf<WritableStreamDefaultController>} */
class StreamSender extends StreamHalf {
  /**
   * @param {import('./QUICStream.js')} stream
   * @param {boolean} none the stream has no write half (a peer's unidirectional stream)
   */
  constructor(stream, none) {
    super(stream, SendState.SEND, none ? SendState.NONE : SendState.SEND, events.EventQUICStreamCloseWrite)
    /** @type {WritableStream<Uint8Array> | null} */
    this.writable = null
    /** The last of the direct writes (and `end()`) still under way, which the next one follows. @type {Promise<void> | null} */
    this.tail = null
    /** `end()` was called: the promise of the FIN going out. @type {Promise<void> | null} */
    this.ending = null
  }

  /** The writable, made on first use. */
  webStream() {
    if (this.writable != null) return this.writable
    if (this.tail != null) throw locked('a write() or end() is pending on this stream')
    const ended = this.closed
    this.writable = new WritableStream(
      {
        start: (controller) => {
          this.controller = controller
          if (this.errored) controller.error(this.error)
          else if (ended) controller.error(this.closedError())
        },
        write: (chunk) => this.send(chunk, false),
        close: () => this.send(EMPTY, true),
        abort: (reason) => this.abort(reason),
      },
      { highWaterMark: 1 },
    )
    return this.writable
  }

  /** The error for writing to a closed half. */
  closedError() {
    return new errors.ErrorQUICStreamLocalWrite(
      this.state === SendState.NONE
        ? 'a peer unidirectional stream cannot be written'
        : 'the stream is closed for writing',
    )
  }

  /** The connection ended with `err`. @param {Error} err */
  fail(err) {
    this.close(SendState.FAILED, err, true)
  }

  /** The writable was aborted: RESET_STREAM. @param {unknown} reason */
  async abort(reason) {
    if (this.closed) return
    this.close(SendState.RESET_SENT)
    this.stream.shutdown('write', reason)
  }

  /** Capacity came back: the write waiting for it goes on. */
  onWritable() {
    const w = this.waiter
    if (w == null) return
    this.waiter = null
    w.resolve()
  }

  /**
   * The peer stopped the stream (STOP_SENDING) with `code`: the half ends now, failing a waiting
   * write (quiche may already have let go of the stream, so nothing is asked of it).
   * @param {number} code
   */
  onStopped(code) {
    if (this.closed) return
    this.close(SendState.STOP_RECVD, this.stream.peerEnded('write', code))
  }

  /**
   * The half's ending for a failed native write: the peer's STOP_SENDING, or the connection's
   * failure. Returns what to throw (the half's rejection). @param {unknown} e
   */
  failed(e) {
    const err = this.stream.peerError(e, 'ERR_QUIC_STREAM_STOPPED', 'write')
    this.close(err instanceof errors.ErrorQUICStreamPeerWrite ? SendState.STOP_RECVD : SendState.FAILED, err)
    return this.error
  }

  /** See QUICStream.write. @param {Uint8Array} chunk @returns {Promise<void>} */
  write(chunk) {
    return this.sendNow(chunk, false)
  }

  /** See QUICStream.end. @param {Uint8Array} [chunk] @returns {Promise<void>} */
  end(chunk) {
    // `sendNow` runs before `ending` is set: its queued path refuses writes after an end.
    if (this.ending == null) this.ending = this.sendNow(chunk ?? EMPTY, true)
    return this.ending
  }

  /**
   * `write` and `end`: with nothing queued, what the stream takes at once needs no promise of
   * its own; the rest (or everything, when something is queued) follows the queued writes.
   * @param {Uint8Array} chunk
   * @param {boolean} fin
   * @returns {Promise<void>}
   */
  sendNow(chunk, fin) {
    if (!this.canSendNow() || !(chunk instanceof Uint8Array) || (chunk.byteLength === 0 && !fin))
      return this.queue(chunk, fin)
    let off
    try {
      off = this.sendSome(chunk, 0, fin)
    } catch (e) {
      return Promise.reject(e)
    }
    if (off < chunk.byteLength) return this.queue(chunk.subarray(off), fin)
    if (fin) this.finSent()
    return DONE
  }

  /** Whether a direct write can go to the native stream at once: nothing queued or in the way. */
  canSendNow() {
    return (
      this.tail == null &&
      this.writable == null &&
      this.ending == null &&
      this.state === SendState.SEND &&
      !this.stream.destroyed &&
      this.stream.ready
    )
  }

  /** A direct write behind the ones still under way. @param {Uint8Array} chunk @param {boolean} fin */
  async queue(chunk, fin) {
    if (this.writable != null) throw locked('the stream is written through its writable')
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a QUICStream writes Uint8Array chunks')
    if (this.ending != null) throw new errors.ErrorQUICStreamLocalWrite('write() after end()')
    const prev = this.tail
    // A failed write fails the ones queued behind it, as a writable does.
    const p = prev == null ? this.send(chunk, fin) : prev.then(() => this.send(chunk, fin))
    this.tail = p
    try {
      await p
    } finally {
      if (this.tail === p) this.tail = null
    }
  }

  /**
   * Hands `chunk` to the native stream as its capacity allows, then the FIN if `fin`.
   * @param {Uint8Array} chunk
   * @param {boolean} fin
   */
  async send(chunk, fin) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a QUICStream writes Uint8Array chunks')
    if (this.errored) throw this.error
    if (this.closed) {
      // Finishing what is finished is done; a peer's unidirectional stream never had a write side.
      if (fin && chunk.byteLength === 0 && this.state !== SendState.NONE) return
      throw this.closedError()
    }
    // A zero-length write carries nothing; QUIC has no use for it.
    if (chunk.byteLength === 0 && !fin) return
    const stream = this.stream
    if (!stream.ready) await stream.untilReady()
    const conn = stream.connection
    const id = /** @type {number} */ (stream.streamId)
    let off = 0
    for (;;) {
      if (stream.destroyed) throw stream.failure ?? new errors.ErrorQUICStreamDestroyed()
      off = this.sendSome(chunk, off, fin)
      if (off >= chunk.byteLength) break
      let writable
      try {
        writable = conn.native.streamWritable(id, Math.min(chunk.byteLength - off, WRITE_LOW_WATER))
      } catch (e) {
        throw this.failed(e)
      }
      // Room already (no report of it would come): write on at once.
      if (writable) continue
      // Asking queued the low-water mark, and may queue a (STREAM_)DATA_BLOCKED frame.
      conn.markDirty()
      await new Promise((resolve, reject) => {
        this.waiter = { resolve, reject }
      })
    }
    if (fin) this.finSent()
    if (conn.config.eagerStreams === true) {
      // 2.x's timing: the write is done once its bytes went out and the event loop has been
      // through a poll for I/O since (two check phases: the first may come before any poll).
      conn.driver.flushNow()
      await new Promise((resolve) => clock.setImmediate(() => clock.setImmediate(() => resolve(undefined))))
    }
  }

  /** The FIN was handed over to the native stream. */
  finSent() {
    this.close(SendState.DATA_SENT)
    this.stream.connection.markDirty(true)
  }

  /**
   * Hands what fits of `chunk` from `off` to the native stream (quiche sets the FIN with the last
   * byte only, once all of the rest fits); returns the new offset. Throws the half's error.
   * @param {Uint8Array} chunk
   * @param {number} off
   * @param {boolean} fin
   */
  sendSome(chunk, off, fin) {
    const stream = this.stream
    const conn = stream.connection
    let n
    try {
      n = fast.streamSend(
        conn.handle,
        /** @type {number} */ (stream.streamId),
        off === 0 ? chunk : chunk.subarray(off),
        fin,
      )
    } catch (e) {
      throw this.failed(e)
    }
    if (n > 0) conn.markDirty(true)
    return off + n
  }
}

/** The error for a second writer. @param {string} why */
const locked = (why) => new errors.ErrorQUICStreamLocked(why)

module.exports = { StreamSender, SendState, DONE }
