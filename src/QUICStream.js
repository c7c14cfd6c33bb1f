// @ts-check
'use strict'
// QUICStream: a QUIC stream as its two halves (StreamReceiver, StreamSender), each with its own
// explicit state, and what they share: the stream id and whether quiche knows the stream yet,
// the peer's error codes, the events, and ending both halves (cancel, destroy, the connection's
// end). Each half offers a Web Stream (`readable`, `writable`; cancel sends STOP_SENDING and abort
// RESET_STREAM, with codes from `reasonToCode`) and direct calls (`read()`, `write()`, `end()`)
// with the same backpressure and errors and none of a Web Stream's cost (building one costs more
// than a whole small exchange on Node 20). A half used through its Web Stream is locked to the
// direct calls.

const errors = require('./errors.js')
const events = require('./events.js')
const QUICEventTarget = require('./QUICEventTarget.js')
const { StreamReceiver, RecvState } = require('./StreamReceiver.js')
const { StreamSender, SendState, DONE } = require('./StreamSender.js')
const { registerLifecycle } = require('./async-init.js')
const { loggerFor } = require('./logger.js')
const { channels } = require('./diagnostics.js')

/** @typedef {{ resolve: (v?: unknown) => void, reject: (e: unknown) => void }} Waiter */

class QUICStream extends QUICEventTarget {
  /**
   * @internal Every stream is made here (2.x's name: a spy on it sees each one).
   * @param {ConstructorParameters<typeof QUICStream>[0]} opts
   */
  static createQUICStream(opts) {
    const stream = new QUICStream(opts)
    if (channels.streamCreated.hasSubscribers) channels.streamCreated.publish({ stream })
    return stream
  }

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
    this._destroyed = false
    /** @type {import('./logger.js').Logger | null} */
    this._logger = null
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
    /** The read half. */
    this.receiver = new StreamReceiver(this, initiated === 'local' && type === 'uni')
    /** The write half. */
    this.sender = new StreamSender(this, initiated === 'peer' && type === 'uni')
  }

  /**
   * The incoming bytes. Made on first use: a Web Stream costs more to build than the rest of a
   * QUICStream (Node 20), and many streams only ever use one side (uni streams always).
   * @returns {ReadableStream<Uint8Array>}
   */
  get readable() {
    return this.receiver.webStream()
  }

  /**
   * The outgoing bytes; made on first use, like `readable`.
   * @returns {WritableStream<Uint8Array>}
   */
  get writable() {
    return this.sender.webStream()
  }

  /** The read half's state: 'recv', 'data-read', 'stop-sent', 'reset-recvd', 'failed' or 'none'. */
  get readState() {
    return this.receiver.state
  }

  /** The write half's state: 'send', 'data-sent', 'reset-sent', 'stop-recvd', 'failed' or 'none'. */
  get writeState() {
    return this.sender.state
  }

  get readClosed() {
    return this.receiver.closed
  }

  get writeClosed() {
    return this.sender.closed
  }

  get closed() {
    return this.receiver.closed && this.sender.closed
  }

  /** The connection's logger's child for this stream, made when first asked for. */
  get logger() {
    this._logger ??= loggerFor(null, this.connection.logger, `QUICStream ${this.streamId ?? 'pending'}`)
    return this._logger
  }

  /** Destroyed, failed with its connection, or both halves ended (as 2.x has it). */
  get destroyed() {
    return this._destroyed || this.closed
  }

  /** Connection metadata (addresses, certificate chains). */
  get meta() {
    return this.connection.meta()
  }

  /** Resolves once the stream exists on the connection (at once for peer streams). @returns {Promise<void>} */
  get openedP() {
    if (this._openedP === null) {
      if (this.streamId !== undefined) this._openedP = DONE
      else if (this.failure !== undefined) this._openedP = Promise.reject(this.failure)
      else {
        this._openedP = new Promise((resolve, reject) => {
          this.openedWaiter = { resolve: () => resolve(), reject }
        })
      }
      // Nobody may await it: a stream that fails before it opens is no unhandled rejection.
      this._openedP.catch(() => {})
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
    this.resolveKnown()
    this.receiver.onReadable()
  }

  /** @internal Capacity came back. */
  onWritable() {
    this.resolveKnown()
    this.sender.onWritable()
  }

  /** @internal The peer stopped the stream (STOP_SENDING) with `code`. @param {number} code */
  onStopped(code) {
    this.resolveKnown()
    this.sender.onStopped(code)
  }

  /**
   * The next chunk of incoming bytes, or `null` once the peer finished the stream. Rejects like
   * the readable would: with what `codeToReason('read', code)` gives if the peer reset the stream,
   * the connection's error if it ended, the reason given to `cancel(reason)` (without one,
   * `ErrorQUICStreamLocalRead`); `ErrorQUICStreamLocked` while
   * another `read()` is pending or once `readable` was taken. Chunks are at most
   * `readableChunkSize` bytes; reading gives the peer flow-control credit, so a stream not read
   * slows its sender.
   * @returns {Promise<Uint8Array | null>}
   */
  read() {
    return this.receiver.read()
  }

  /** The incoming chunks, as `read()` gives them; leaving the loop early cancels the read side. */
  async *[Symbol.asyncIterator]() {
    let done = false
    try {
      for (let chunk = await this.read(); chunk != null; chunk = await this.read()) yield chunk
      done = true
    } finally {
      if (!done) this.receiver.cancel(undefined)
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
    return this.sender.write(chunk)
  }

  /**
   * Finishes the write side (FIN), after `chunk` if given and every write before it. Further
   * writes reject; calling it again returns the same promise.
   * @param {Uint8Array} [chunk]
   * @returns {Promise<void>}
   */
  end(chunk) {
    return this.sender.end(chunk)
  }

  /**
   * @internal Tells the peer this side stops a direction (STOP_SENDING for 'read', RESET_STREAM
   * for 'write') with the code `reasonToCode` gives.
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
   * @internal The peer's RESET_STREAM (seen reading) or STOP_SENDING (seen writing) as a stream
   * error with its code and `codeToReason`'s reason; anything else is the connection's failure.
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
   * @internal The error of a side the peer ended with `code`: RESET_STREAM (read) or
   * STOP_SENDING (write).
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

  /**
   * @internal A half ended: once both have, the connection lets go of the stream and it is
   * destroyed (2.x: `EventQUICStreamDestroyed`, `[destroyed]`).
   */
  halfClosed() {
    if (!this.closed || this._destroyed) return
    this.connection.streamDone(this)
    this.closedWaiter?.()
    this.closedWaiter = null
    this.ended()
  }

  /** The stream is over, by its halves' ends or its connection's: its listeners and tracers hear so. */
  ended() {
    this.emit(events.EventQUICStreamDestroyed)
    if (channels.streamClosed.hasSubscribers) channels.streamClosed.publish({ stream: this })
  }

  /**
   * Ends both directions: at once with `reason` (`force`, the default: STOP_SENDING and
   * RESET_STREAM, pending reads and writes fail), or after the writer finished.
   * @param {{ force?: boolean, reason?: unknown }} [opts]
   */
  async destroy({ force = true, reason } = {}) {
    if (this._destroyed) return
    this.emit(events.EventQUICStreamDestroy)
    if (!force && !this.sender.closed) await this.closedP
    this.cancel(reason)
    await this.closedP
  }

  /**
   * Cancels both directions with `reason` now. Works on the native stream directly, so readers
   * and writers that hold locks on `readable` / `writable` see their reads and writes fail.
   * @param {unknown} [reason]
   */
  cancel(reason) {
    if (!this.receiver.closed) {
      this.receiver.close(
        RecvState.STOP_SENT,
        new errors.ErrorQUICStreamLocalRead('the stream was cancelled', { cause: reason }),
      )
      this.shutdown('read', reason)
    }
    if (!this.sender.closed) {
      this.sender.close(
        SendState.RESET_SENT,
        new errors.ErrorQUICStreamLocalWrite('the stream was cancelled', { cause: reason }),
      )
      this.shutdown('write', reason)
    }
  }

  /**
   * @internal The connection ended: every pending read and write settles with `err`.
   * @param {Error} err
   */
  fail(err) {
    if (this._destroyed) return
    // Destroyed first: the halves end quietly and leave the rest to this.
    this._destroyed = true
    this.failure = err
    this.openedWaiter?.reject(err)
    this.openedWaiter = null
    this.resolveKnown()
    this.receiver.fail(err)
    this.sender.fail(err)
    this.ended()
    this.connection.streamDone(this)
    this.closedWaiter?.()
    this.closedWaiter = null
  }
}

// 2.x's `[running]` / `[destroyed]` / `[status]` (src/async-init.js).
registerLifecycle(QUICStream, { destroyed: (s) => s.destroyed })

module.exports = QUICStream
