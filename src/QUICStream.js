// @ts-check
'use strict'
// QUICStream: a QUIC stream as a pair of Web Streams with backpressure tied to flow control.
// The readable pulls from the native stream only when its reader asks (high-water mark 0), so a
// slow reader leaves data in the connection's window and slows the peer. The writable hands data
// to the native stream as its capacity allows and waits for capacity otherwise. Cancel sends
// STOP_SENDING and abort sends RESET_STREAM, with codes from `reasonToCode`.
// Beside them, `read()`, `write()` and `end()` work on the native stream directly, with the same
// backpressure and errors and none of a Web Stream's cost (building one costs more than a whole
// small exchange on Node 20). A side used through its Web Stream is locked to the direct calls.

const { Buffer } = require('node:buffer')
const { markAsUntransferable } = require('node:worker_threads')
const errors = require('./errors.js')
const { fast } = require('./native.js')
const events = require('./events.js')
const QUICEventTarget = require('./QUICEventTarget.js')

/** A writer blocked on capacity is woken once this much fits: about one packet. */
const WRITE_LOW_WATER = 1200
const EMPTY = new Uint8Array(0)
/** `tryRead`: nothing to give yet. */
const WAIT = Symbol('wait')
/** What a write that the stream took at once returns. */
const DONE = Promise.resolve()
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

/**
 * @typedef {{ resolve: (v?: unknown) => void, reject: (e: unknown) => void }} Waiter
 */

const locked = (/** @type {string} */ why) => new errors.ErrorQUICStreamLocked(why)

class QUICStream extends QUICEventTarget {
  /**
   * @internal Created by QUICConnection (`newStream` or a peer's stream).
   * @param {{ connection: import('./QUICConnection.js'), initiated: 'local' | 'peer',
   *           type: 'bidi' | 'uni', streamId?: number }} opts
   */
  constructor({ connection, initiated, type, streamId }) {
    super()
    this.connection = connection
    /** @type {'local' | 'peer'} */
    this.initiated = initiated
    /** @type {'bidi' | 'uni'} */
    this.type = type
    /** The stream id; undefined while a local stream waits for the peer's MAX_STREAMS credit. @type {number | undefined} */
    this.streamId = streamId
    this._readClosed = initiated === 'local' && type === 'uni'
    this._writeClosed = initiated === 'peer' && type === 'uni'
    this._destroyed = false
    /** @type {Waiter | null} */
    this.readWaiter = null
    /** @type {Waiter | null} */
    this.writeWaiter = null
    /** @type {WritableStreamDefaultController | null} */
    this.writeController = null
    /** @type {ReadableStreamDefaultController<Uint8Array> | null} */
    this.readController = null
    // The promises below are made when first asked for: most streams never need them.
    /** @type {Promise<void> | null} */
    this._openedP = null
    /** @type {Waiter | null} */
    this.openedWaiter = null
    // A peer stream may be announced because a higher id arrived (RFC 9000 §3.2 opens the lower
    // ones implicitly) before quiche holds any state for it: its I/O waits until quiche reports it.
    this.known = initiated === 'local'
    /** @type {Promise<void> | null} */
    this._knownP = null
    /** @type {(() => void) | null} */
    this.knownWaiter = null
    /** @type {Promise<void> | null} */
    this._closedP = null
    /** @type {(() => void) | null} */
    this.closedWaiter = null
    /** Why the stream ended early. @type {Error | undefined} */
    this.failure = undefined

    /** @type {ReadableStream<Uint8Array> | null} */
    this._readable = null
    /** @type {WritableStream<Uint8Array> | null} */
    this._writable = null
    /** Why the read side ended early, for a `readable` made after that. @type {Error | null} */
    this.readEnd = null
    /** Why the write side ended early, for a `writable` made after that. @type {Error | null} */
    this.writeEnd = null
    /** A direct `read()` is waiting. */
    this.reading = false
    /**
     * The last read took all that was readable: the next waits for `onReadable` without asking.
     * A local stream starts so: nothing can be readable before quiche reports it.
     */
    this.drained = initiated === 'local'
    /** The last of the direct writes (and `end()`) still under way, which the next one follows. @type {Promise<void> | null} */
    this.writeTail = null
    /** `end()` was called: the promise of the FIN going out. @type {Promise<void> | null} */
    this.ending = null
  }

  /**
   * The incoming bytes. Made on first use: a Web Stream costs more to build than the rest of a
   * QUICStream (Node 20), and many streams only ever use one side (uni streams always).
   * @returns {ReadableStream<Uint8Array>}
   */
  get readable() {
    if (this._readable != null) return this._readable
    if (this.reading) throw locked('a read() is pending on this stream')
    const ended = this._readClosed
    this._readable = new ReadableStream(
      {
        start: (controller) => {
          this.readController = controller
          if (this.readEnd != null) controller.error(this.readEnd)
          else if (ended) controller.close()
        },
        pull: (controller) => this.pull(controller),
        cancel: (reason) => this.cancelRead(reason),
      },
      { highWaterMark: 0 },
    )
    return this._readable
  }

  /**
   * The outgoing bytes; made on first use, like `readable`.
   * @returns {WritableStream<Uint8Array>}
   */
  get writable() {
    if (this._writable != null) return this._writable
    if (this.writeTail != null) throw locked('a write() or end() is pending on this stream')
    const ended = this._writeClosed
    this._writable = new WritableStream(
      {
        start: (controller) => {
          this.writeController = controller
          if (this.writeEnd != null) controller.error(this.writeEnd)
          else if (ended) controller.error(this.closedForWriting())
        },
        write: (chunk) => this.send(chunk, false),
        close: () => this.send(EMPTY, true),
        abort: (reason) => this.abortWrite(reason),
      },
      { highWaterMark: 1 },
    )
    return this._writable
  }

  /** A peer's unidirectional stream: nothing can be written to it. */
  get peerUni() {
    return this.initiated === 'peer' && this.type === 'uni'
  }

  /** The error for writing to a closed write side. */
  closedForWriting() {
    return new errors.ErrorQUICStreamLocalWrite(
      this.peerUni ? 'a peer unidirectional stream cannot be written' : 'the stream is closed for writing',
    )
  }

  get readClosed() {
    return this._readClosed
  }

  get writeClosed() {
    return this._writeClosed
  }

  get closed() {
    return this._readClosed && this._writeClosed
  }

  get destroyed() {
    return this._destroyed
  }

  /** Connection metadata (addresses, certificate chains). */
  get meta() {
    return this.connection.meta()
  }

  /** Resolves once the stream exists on the connection (at once for peer streams). @returns {Promise<void>} */
  get openedP() {
    if (this._openedP === null) {
      if (this.streamId !== undefined) this._openedP = DONE
      else {
        this._openedP =
          this.failure !== undefined
            ? Promise.reject(this.failure)
            : new Promise((resolve, reject) => (this.openedWaiter = { resolve: () => resolve(), reject }))
        // Nobody may await it: a stream that fails before it opens is no unhandled rejection.
        this._openedP.catch(() => {})
      }
    }
    return this._openedP
  }

  /** Resolves once quiche holds state for the stream. @returns {Promise<void>} */
  get knownP() {
    if (this._knownP == null) {
      this._knownP = this.known
        ? DONE
        : new Promise((resolve) => {
            this.knownWaiter = resolve
          })
    }
    return this._knownP
  }

  /** Resolves when both directions are finished. @returns {Promise<void>} */
  get closedP() {
    if (this._closedP == null) {
      this._closedP = this.closed
        ? DONE
        : new Promise((resolve) => {
            this.closedWaiter = resolve
          })
    }
    return this._closedP
  }

  /** @internal The connection allotted the id. @param {number} id */
  opened(id) {
    this.streamId = id
    this.openedWaiter?.resolve()
    this.openedWaiter = null
  }

  /** @internal quiche holds state for the stream now. */
  resolveKnown() {
    if (this.known) return
    this.known = true
    this.knownWaiter?.()
    this.knownWaiter = null
  }

  /** Both directions finished: `closedP` resolves. */
  resolveClosed() {
    this.closedWaiter?.()
    this.closedWaiter = null
  }

  /** Whether I/O can go to the native stream without waiting. */
  get ready() {
    return this.known && this.streamId !== undefined
  }

  /** Waits until the stream has an id and quiche knows it (rejects if it fails first). */
  async untilReady() {
    await this.openedP
    await this.knownP
  }

  /** @internal New data, a FIN or a reset arrived. */
  onReadable() {
    this.drained = false
    this.resolveKnown()
    const w = this.readWaiter
    if (w != null) {
      this.readWaiter = null
      w.resolve()
      return
    }
    // Nobody is reading: if only the stream's end is left (the peer's FIN or reset), it is read
    // now, as a read would, so a stream whose reader went away is let go of rather than held
    // until the connection ends; a later read sees the end (or the reset's error).
    if (this._readClosed || this.streamId === undefined || !this.connection.native.streamEndLeft(this.streamId)) return
    let chunk
    try {
      chunk = this.readNow()
    } catch {
      // readNow ended the read side with the reset's error.
      return
    }
    if (chunk?.fin) {
      this.readController?.close()
      this.finishRead()
    }
  }

  /** @internal Capacity came back. */
  onWritable() {
    this.resolveKnown()
    this.wakeWriter()
  }

  /**
   * @internal The peer stopped the stream (STOP_SENDING) with `code`: the write side ends now,
   * failing a waiting write, whether or not one waits (quiche may already have let go of the
   * stream, so nothing is asked of it).
   * @param {number} code
   */
  onStopped(code) {
    this.resolveKnown()
    if (this._writeClosed) return
    this.endWrite(this.peerEnded('write', code))
    this.finishWrite()
  }

  /** Wakes the write waiting for capacity; whether there was one. */
  wakeWriter() {
    const w = this.writeWaiter
    if (w == null) return false
    this.writeWaiter = null
    w.resolve()
    return true
  }

  /** @param {ReadableStreamDefaultController<Uint8Array>} controller */
  async pull(controller) {
    // Settled promises still cost a microtask hop each: skip them on the hot path.
    if (!this.ready) await this.untilReady()
    for (;;) {
      if (this._destroyed) return
      let chunk
      try {
        chunk = this.readNow()
      } catch {
        // readNow errored the readable.
        return
      }
      if (chunk != null) {
        if (chunk.data.length > 0) controller.enqueue(chunk.data)
        if (chunk.fin) {
          controller.close()
          this.finishRead()
        }
        return
      }
      await this.readableAgain()
    }
  }

  /**
   * The next chunk of incoming bytes, or `null` once the peer finished the stream. Rejects like
   * the readable would: `ErrorQUICStreamPeerRead` if the peer reset the stream, the connection's
   * error if it ended, `ErrorQUICStreamLocalRead` after `cancel()`; `ErrorQUICStreamLocked` while
   * another `read()` is pending or once `readable` was taken. Chunks are at most
   * `readableChunkSize` bytes; reading gives the peer flow-control credit, so a stream not read
   * slows its sender.
   * @returns {Promise<Uint8Array | null>}
   */
  read() {
    if (this._readable != null) return Promise.reject(locked('the stream is read through its readable'))
    if (this.reading) return Promise.reject(locked('a read() is already pending on this stream'))
    if (!this.ready) {
      this.reading = true
      return this.untilReady().then(
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
          this.readWaiter = waiter
          return
        }
        this.reading = false
        resolve(r)
      }
      const waiter = { resolve: retry, reject: fail }
      this.readWaiter = waiter
    })
  }

  /**
   * What `read()` gives now: a chunk, `null` at the end, or WAIT. Throws the read side's error.
   * @returns {Uint8Array | null | typeof WAIT}
   */
  tryRead() {
    for (;;) {
      if (this.readEnd != null) throw this.readEnd
      if (this._readClosed) return null
      const chunk = this.readNow()
      if (chunk == null) return WAIT
      if (chunk.fin) this.finishRead()
      if (chunk.data.length > 0) return chunk.data
    }
  }

  /**
   * One native read: a chunk, or null when nothing is buffered. A failure ends the read side
   * (and errors the readable) before it is thrown.
   * @returns {{ data: Uint8Array, fin: boolean } | null}
   */
  readNow() {
    if (this.drained) return null
    const conn = this.connection
    const max = /** @type {number} */ (conn.config.readableChunkSize)
    if (SLAB_SIZE - slabOff < SMALL_READ) {
      slab = newSlab()
      slabOff = 0
    }
    let r
    try {
      r = fast.streamReadInto(conn.handle, /** @type {number} */ (this.streamId), max, slab, slabOff)
    } catch (e) {
      const err = this.readError(e)
      this.endRead(err)
      this.finishRead()
      throw err
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

  /** Resolves at the next `onReadable`; rejects if the read side ends first. */
  readableAgain() {
    return new Promise((resolve, reject) => {
      this.readWaiter = { resolve, reject }
    })
  }

  /** The incoming chunks, as `read()` gives them; leaving the loop early cancels the read side. */
  async *[Symbol.asyncIterator]() {
    let done = false
    try {
      for (let chunk = await this.read(); chunk != null; chunk = await this.read()) yield chunk
      done = true
    } finally {
      if (!done && !this._readClosed) this.cancelRead(undefined)
    }
  }

  /** The readable was cancelled: STOP_SENDING. @param {unknown} reason */
  async cancelRead(reason) {
    if (this._readClosed) return
    this.finishRead()
    this.shutdown('read', reason)
  }

  /**
   * Tells the peer this side stops a direction (STOP_SENDING for 'read', RESET_STREAM for
   * 'write') with the code `reasonToCode` gives.
   * @param {'read' | 'write'} direction
   * @param {unknown} reason
   */
  shutdown(direction, reason) {
    if (this.streamId === undefined || this._destroyed) return
    const code = this.connection.reasonToCode(direction, reason)
    try {
      this.connection.native.streamShutdown(this.streamId, direction, code)
      this.connection.markDirty()
    } catch {
      // Already finished on the native side: nothing to stop.
    }
  }

  /**
   * Queues `chunk` on the stream. Resolves once the stream has taken all of it (its send buffer is
   * bounded by the peer's flow-control window: this is the backpressure); writes may be called
   * without waiting and go out in order. Rejects like the writable would, and with
   * `ErrorQUICStreamLocked` once `writable` was taken.
   * @param {Uint8Array} chunk
   * @returns {Promise<void>}
   */
  write(chunk) {
    return this.sendNow(chunk, false)
  }

  /**
   * Finishes the write side (FIN), after `chunk` if given and every write before it. Further
   * writes reject; calling it again returns the same promise.
   * @param {Uint8Array} [chunk]
   * @returns {Promise<void>}
   */
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
      return this.queueWrite(chunk, fin)
    let off
    try {
      off = this.sendSome(chunk, 0, fin)
    } catch (e) {
      return Promise.reject(e)
    }
    if (off < chunk.byteLength) return this.queueWrite(chunk.subarray(off), fin)
    if (fin) this.finSent()
    return DONE
  }

  /** Whether a direct write can go to the native stream at once: nothing queued or in the way. */
  canSendNow() {
    return (
      this.writeTail == null &&
      this._writable == null &&
      this.ending == null &&
      this.writeEnd == null &&
      !this._writeClosed &&
      !this._destroyed &&
      this.ready
    )
  }

  /** @param {Uint8Array} chunk @param {boolean} fin */
  async queueWrite(chunk, fin) {
    if (this._writable != null) throw locked('the stream is written through its writable')
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a QUICStream writes Uint8Array chunks')
    if (this.ending != null) throw new errors.ErrorQUICStreamLocalWrite('write() after end()')
    const prev = this.writeTail
    // A failed write fails the ones queued behind it, as a writable does.
    const p = prev == null ? this.send(chunk, fin) : prev.then(() => this.send(chunk, fin))
    this.writeTail = p
    try {
      await p
    } finally {
      if (this.writeTail === p) this.writeTail = null
    }
  }

  /**
   * Hands `chunk` to the native stream as its capacity allows, then the FIN if `fin`.
   * @param {Uint8Array} chunk
   * @param {boolean} fin
   */
  async send(chunk, fin) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a QUICStream writes Uint8Array chunks')
    if (this.writeEnd != null) throw this.writeEnd
    if (this._writeClosed) {
      // Finishing what is finished is done; a peer's unidirectional stream never had a write side.
      if (fin && chunk.byteLength === 0 && !this.peerUni) return
      throw this.closedForWriting()
    }
    // A zero-length write carries nothing; QUIC has no use for it.
    if (chunk.byteLength === 0 && !fin) return
    if (!this.ready) await this.untilReady()
    const conn = this.connection
    const id = /** @type {number} */ (this.streamId)
    let off = 0
    for (;;) {
      if (this._destroyed) throw this.failure ?? new errors.ErrorQUICStreamDestroyed()
      off = this.sendSome(chunk, off, fin)
      if (off >= chunk.byteLength) break
      let writable
      try {
        writable = conn.native.streamWritable(id, Math.min(chunk.byteLength - off, WRITE_LOW_WATER))
      } catch (e) {
        this.finishWrite()
        throw this.writeError(e)
      }
      // Room already (no report of it would come): write on at once.
      if (writable) continue
      // Asking queued the low-water mark, and may queue a (STREAM_)DATA_BLOCKED frame.
      conn.markDirty()
      await new Promise((resolve, reject) => {
        this.writeWaiter = { resolve, reject }
      })
    }
    if (fin) this.finSent()
  }

  /** The FIN was handed over to the native stream. */
  finSent() {
    this.finishWrite()
    this.connection.markDirty(true)
  }

  /**
   * Hands what fits of `chunk` from `off` to the native stream (quiche sets the FIN with the last
   * byte only, once all of the rest fits); returns the new offset. Throws the write side's error.
   * @param {Uint8Array} chunk
   * @param {number} off
   * @param {boolean} fin
   */
  sendSome(chunk, off, fin) {
    const conn = this.connection
    let n
    try {
      n = fast.streamSend(
        conn.handle,
        /** @type {number} */ (this.streamId),
        off === 0 ? chunk : chunk.subarray(off),
        fin,
      )
    } catch (e) {
      this.finishWrite()
      throw this.writeError(e)
    }
    if (n > 0) conn.markDirty(true)
    return off + n
  }

  /** The writable was aborted: RESET_STREAM. @param {unknown} reason */
  async abortWrite(reason) {
    if (this._writeClosed) return
    this.finishWrite()
    this.shutdown('write', reason)
  }

  /** The stream's error for a failed native read. @param {unknown} e */
  readError(e) {
    return this.peerError(e, 'ERR_QUIC_STREAM_RESET', 'read')
  }

  /** The stream's error for a failed native write. @param {unknown} e */
  writeError(e) {
    return this.peerError(e, 'ERR_QUIC_STREAM_STOPPED', 'write')
  }

  /**
   * The peer's RESET_STREAM (seen reading) or STOP_SENDING (seen writing) as a stream error with
   * its code and `codeToReason`'s reason; anything else is the connection's failure.
   * @param {unknown} e
   * @param {string} nativeCode
   * @param {'read' | 'write'} direction
   */
  peerError(e, nativeCode, direction) {
    const n = /** @type {any} */ (e)
    if (n?.code !== nativeCode) return this.connection.streamFailure(e)
    return this.peerEnded(direction, n.wireCode, e)
  }

  /**
   * The error of a side the peer ended with `code`: RESET_STREAM (read) or STOP_SENDING (write).
   * @param {'read' | 'write'} direction @param {number} code @param {unknown} [cause]
   */
  peerEnded(direction, code, cause) {
    const Cls = direction === 'read' ? errors.ErrorQUICStreamPeerRead : errors.ErrorQUICStreamPeerWrite
    const what = direction === 'read' ? 'reset' : 'stopped'
    const data = { code, reason: this.connection.codeToReason(direction, code) }
    return new Cls(
      `the peer ${what} stream ${this.streamId} with code ${code}`,
      cause === undefined ? { data } : { cause, data },
    )
  }

  finishRead() {
    if (this._readClosed) return
    this._readClosed = true
    this.emit(events.EventQUICStreamCloseRead)
    this.maybeDone()
  }

  finishWrite() {
    if (this._writeClosed) return
    this._writeClosed = true
    this.emit(events.EventQUICStreamCloseWrite)
    this.maybeDone()
  }

  maybeDone() {
    if (!(this._readClosed && this._writeClosed)) return
    this.connection.streamDone(this)
    this.resolveClosed()
  }

  /**
   * Ends both directions: at once with `reason` (`force`, the default: STOP_SENDING and
   * RESET_STREAM, pending reads and writes fail), or after the writer finished.
   * @param {{ force?: boolean, reason?: unknown }} [opts]
   */
  async destroy({ force = true, reason } = {}) {
    if (this._destroyed) return
    this.emit(events.EventQUICStreamDestroy)
    if (!force && !this._writeClosed) await this.closedP
    this.cancel(reason)
    await this.closedP
  }

  /**
   * Cancels both directions with `reason` now. Works on the native stream directly, so readers
   * and writers that hold locks on `readable` / `writable` see their reads and writes fail.
   * @param {unknown} [reason]
   */
  cancel(reason) {
    if (!this._readClosed) {
      this.endRead(new errors.ErrorQUICStreamLocalRead('the stream was cancelled', { cause: reason }))
      this.finishRead()
      this.shutdown('read', reason)
    }
    if (!this._writeClosed) {
      this.endWrite(new errors.ErrorQUICStreamLocalWrite('the stream was cancelled', { cause: reason }))
      this.finishWrite()
      this.shutdown('write', reason)
    }
  }

  /**
   * The read side ends early with `err`: the readable (now, or when it is made) errors with it,
   * and so does a pending read. @param {Error} err
   */
  endRead(err) {
    this.readEnd = err
    this.readController?.error(err)
    this.readWaiter?.reject(err)
    this.readWaiter = null
  }

  /** The write side ends early with `err`, like `endRead`. @param {Error} err */
  endWrite(err) {
    this.writeEnd = err
    this.writeController?.error(err)
    this.writeWaiter?.reject(err)
    this.writeWaiter = null
  }

  /**
   * @internal The connection ended: every pending read and write settles with `err`.
   * @param {Error} err
   */
  fail(err) {
    if (this._destroyed) return
    this._destroyed = true
    this.failure = err
    this.openedWaiter?.reject(err)
    this.openedWaiter = null
    this.resolveKnown()
    if (!this._readClosed) this.endRead(err)
    // A pull can still wait after its readable was cancelled: let it go.
    else this.readWaiter?.reject(err)
    // A write waits only while the write side is open (abort waits for it).
    if (!this._writeClosed) this.endWrite(err)
    this._readClosed = true
    this._writeClosed = true
    this.emit(events.EventQUICStreamDestroyed)
    this.connection.streamDone(this)
    this.resolveClosed()
  }
}

module.exports = QUICStream
