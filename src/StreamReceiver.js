// @ts-check
'use strict'
// StreamReceiver: a QUIC stream's read half as one explicit state (quinn's RecvState, aioquic's
// QuicStreamReceiver). RECV while bytes may come; then, through `close` and nothing else, one of
// DATA_READ (the FIN was read), STOP_SENT (this side cancelled: STOP_SENDING), RESET_RECVD (the
// peer's RESET_STREAM was read), FAILED (the connection ended or the stream was destroyed). A
// local unidirectional stream starts in NONE. The readable (high-water mark 0: it pulls only when
// its reader asks, so an unread stream leaves data in the window and slows the peer) and the
// direct `read()` are two adapters over the half, locked against each other.

const { Buffer } = require('node:buffer')
const { markAsUntransferable } = require('node:worker_threads')
const errors = require('./errors.js')
const { fast } = require('./native.js')
const events = require('./events.js')
const StreamHalf = require('./StreamHalf.js')

/** The read half's states. */
const RecvState = Object.freeze({
  RECV: 'recv',
  DATA_READ: 'data-read',
  STOP_SENT: 'stop-sent',
  RESET_RECVD: 'reset-recvd',
  FAILED: 'failed',
  NONE: 'none',
})

const EMPTY = new Uint8Array(0)
/** `tryRead`: nothing to give yet. */
const WAIT = Symbol('wait')
/**
 * Reads up to SMALL_READ bytes land straight in a slab shared by all streams and are handed out
 * as views of it: no copy, and one allocation per slab rather than one per chunk (a Buffer from
 * Node's 8 KiB pool and the copy into it were 0.8 µs of a 1 KiB stream's ~9). Larger reads come
 * as buffers of their own. A chunk kept alive keeps its slab, as Node's pool does with 8 KiB.
 */
const SLAB_SIZE = 64 * 1024
const SMALL_READ = 16 * 1024
let slab = newSlab()
let slabOff = 0

/** A slab for reads; untransferable (as Node's pool), or a transfer would pull it from under later reads. */
function newSlab() {
  const b = Buffer.allocUnsafeSlow(SLAB_SIZE)
  markAsUntransferable(b.buffer)
  return b
}

/** @extends {StreamHalf<ReadableStreamDefaultController<Uint8Array>>} */
class StreamReceiver extends StreamHalf {
  /**
   * @param {import('./QUICStream.js')} stream
   * @param {boolean} none the stream has no read half (a local unidirectional stream)
   */
  constructor(stream, none) {
    super(stream, RecvState.RECV, none ? RecvState.NONE : RecvState.RECV, events.EventQUICStreamCloseRead)
    /** @type {ReadableStream<Uint8Array> | null} */
    this.readable = null
    /** Chunks read ahead for the user while the connection stops gracefully. @type {Uint8Array[] | null} */
    this.ahead = null
    /** A direct `read()` is pending. */
    this.reading = false
    /**
     * The last read took all that was readable: the next waits for `onReadable` without asking.
     * A local stream starts so: nothing can be readable before quiche reports it.
     */
    this.drained = stream.initiated === 'local'
  }

  /** The readable, made on first use (a Web Stream costs more to build than the rest of a QUICStream). */
  webStream() {
    if (this.readable != null) return this.readable
    if (this.reading) throw locked('a read() is pending on this stream')
    const ended = this.closed
    this.readable = new ReadableStream(
      {
        start: (controller) => {
          this.controller = controller
          for (const chunk of this.takeAhead()) controller.enqueue(chunk)
          if (this.errored) controller.error(this.error)
          else if (ended) controller.close()
        },
        pull: (controller) => this.pull(controller),
        cancel: (reason) => this.cancel(reason),
      },
      { highWaterMark: 0 },
    )
    return this.readable
  }

  /** The connection ended with `err`; a pull still waiting after a cancel is let go too. @param {Error} err */
  fail(err) {
    if (this.closed) {
      this.waiter?.reject(err)
      this.waiter = null
      return
    }
    this.close(RecvState.FAILED, err, true)
  }

  /** The readable was cancelled, or a loop over the stream left early: STOP_SENDING. @param {unknown} reason */
  async cancel(reason) {
    if (this.closed) return
    this.close(RecvState.STOP_SENT)
    this.stream.shutdown('read', reason)
  }

  /** New data, a FIN or a reset arrived. */
  onReadable() {
    this.drained = false
    const w = this.waiter
    if (w != null) {
      this.waiter = null
      w.resolve()
      return
    }
    const conn = this.stream.connection
    if (conn.state === 'stopping' || conn.config.eagerStreams === true) {
      this.readAhead()
      return
    }
    // Nobody is reading: if only the stream's end is left (the peer's FIN or reset), it is read
    // now, as a read would, so a stream whose reader went away is let go of rather than held
    // until the connection ends; a later read sees the end (or the reset's error).
    const id = this.stream.streamId
    if (this.closed || id === undefined || !this.stream.connection.native.streamEndLeft(id)) return
    let chunk
    try {
      chunk = this.readNow()
    } catch {
      // readNow ended the half with the reset's error.
      return
    }
    if (chunk?.fin) this.dataRead()
  }

  /**
   * While the connection stops gracefully (which waits for every stream to end), or always with
   * `eagerStreams`, what has come is read now for the user, as 2.x's readables did: a stream the
   * user no longer reads still ends once the peer has sent everything. The user reads the chunks
   * later as usual.
   */
  readAhead() {
    if (this.closed || this.waiter != null) return
    for (;;) {
      let chunk
      try {
        chunk = this.readNow()
      } catch {
        // readNow ended the half with the reset's error.
        return
      }
      if (chunk == null) return
      if (chunk.data.length > 0) {
        if (this.controller != null) this.controller.enqueue(chunk.data)
        else if (this.ahead == null) this.ahead = [chunk.data]
        else this.ahead.push(chunk.data)
      }
      if (chunk.fin) {
        this.dataRead()
        return
      }
    }
  }

  /** The chunks read ahead, handed over once. @returns {Uint8Array[]} */
  takeAhead() {
    const ahead = this.ahead ?? /** @type {Uint8Array[]} */ ([])
    this.ahead = null
    return ahead
  }

  /** The FIN was read: the readable closes. */
  dataRead() {
    this.controller?.close()
    this.close(RecvState.DATA_READ)
  }

  /** @param {ReadableStreamDefaultController<Uint8Array>} controller */
  async pull(controller) {
    const stream = this.stream
    // Settled promises still cost a microtask hop each: skip them on the hot path.
    if (!stream.ready) await stream.untilReady()
    for (;;) {
      if (stream.destroyed) return
      let chunk
      try {
        chunk = this.readNow()
      } catch {
        // readNow errored the readable.
        return
      }
      if (chunk != null) {
        if (chunk.data.length > 0) controller.enqueue(chunk.data)
        if (chunk.fin) this.dataRead()
        return
      }
      await this.readableAgain()
    }
  }

  /** See QUICStream.read. @returns {Promise<Uint8Array | null>} */
  read() {
    if (this.readable != null) return Promise.reject(locked('the stream is read through its readable'))
    if (this.reading) return Promise.reject(locked('a read() is already pending on this stream'))
    const stream = this.stream
    if (!stream.ready) {
      this.reading = true
      return stream.untilReady().then(
        () => {
          this.reading = false
          return this.read()
        },
        (e) => {
          this.reading = false
          throw e
        },
      )
    }
    let r
    try {
      r = this.tryRead()
    } catch (e) {
      return Promise.reject(e)
    }
    if (r !== WAIT) return Promise.resolve(r)
    // One promise a wait: woken by onReadable, it reads there and then, inside the poll (the
    // reader's code still runs in a microtask, as the promise settles), a promise hop sooner.
    this.reading = true
    return new Promise((resolve, reject) => {
      const fail = (/** @type {unknown} */ e) => {
        this.reading = false
        reject(e)
      }
      const retry = () => {
        let r
        try {
          r = this.tryRead()
        } catch (e) {
          fail(e)
          return
        }
        if (r === WAIT) {
          this.waiter = waiter
          return
        }
        this.reading = false
        resolve(r)
      }
      const waiter = { resolve: retry, reject: fail }
      this.waiter = waiter
    })
  }

  /**
   * What `read()` gives now: a chunk, `null` at the end, or WAIT. Throws the half's error.
   * @returns {Uint8Array | null | typeof WAIT}
   */
  tryRead() {
    const ahead = this.ahead?.shift()
    if (ahead !== undefined) return ahead
    for (;;) {
      if (this.errored) throw this.error
      if (this.closed) return null
      const chunk = this.readNow()
      if (chunk == null) return WAIT
      if (chunk.fin) this.close(RecvState.DATA_READ)
      if (chunk.data.length > 0) return chunk.data
    }
  }

  /**
   * One native read: a chunk, or null when nothing is buffered. A failure ends the half (and
   * errors the readable) before it is thrown.
   * @returns {{ data: Uint8Array, fin: boolean } | null}
   */
  readNow() {
    if (this.drained) return null
    const stream = this.stream
    const conn = stream.connection
    const max = /** @type {number} */ (conn.config.readableChunkSize)
    if (SLAB_SIZE - slabOff < SMALL_READ) {
      slab = newSlab()
      slabOff = 0
    }
    let r
    try {
      r = fast.streamReadInto(conn.handle, /** @type {number} */ (stream.streamId), max, slab, slabOff)
    } catch (e) {
      const err = stream.peerError(e, 'ERR_QUIC_STREAM_RESET', 'read')
      this.close(err instanceof errors.ErrorQUICStreamPeerRead ? RecvState.RESET_RECVD : RecvState.FAILED, err)
      throw this.error
    }
    if (r === -1) return null
    // Reading returns flow-control credit: let the connection send the window update.
    conn.markDirty()
    /** @type {{ data: Uint8Array, fin: boolean }} */
    let chunk
    if (typeof r === 'number') {
      const n = Math.floor(r / 2)
      let data = EMPTY
      if (n > 0) {
        data = Buffer.from(slab.buffer, slabOff, n)
        // Views start 8-byte aligned, as Node's pool slices do.
        slabOff += (n + 7) & ~7
      }
      chunk = { data, fin: r % 2 === 1 }
    } else chunk = r
    // Less than asked for means all that was readable: nothing more until quiche says so.
    this.drained = chunk.data.length < max
    return chunk
  }

  /** Resolves at the next `onReadable`; rejects if the half ends first. */
  readableAgain() {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }
}

/** The error for a second reader. @param {string} why */
const locked = (why) => new errors.ErrorQUICStreamLocked(why)

module.exports = { StreamReceiver, RecvState }
