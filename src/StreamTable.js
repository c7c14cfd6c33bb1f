// @ts-check
'use strict'
// StreamTable: a connection's streams as JS holds them: the live ones by id, local streams waiting
// for the peer's MAX_STREAMS credit (in order, so no id is skipped), peer streams waiting to be
// announced until the user can listen, and the ids of streams finished for JS whose last bytes
// quiche may still hold (a graceful stop waits for those too).

const errors = require('./errors.js')
const events = require('./events.js')
const QUICStream = require('./QUICStream.js')

/** Past this many finished-but-maybe-unacknowledged stream ids, the collected ones are pruned. */
const MAX_LINGERING = 256

class StreamTable {
  /** @param {import('./QUICConnection.js')} connection */
  constructor(connection) {
    this.connection = connection
    /** @type {Map<number, QUICStream>} */
    this.streams = new Map()
    /** Local streams waiting for the peer's MAX_STREAMS credit, in order. @type {QUICStream[]} */
    this.pendingBidi = []
    /** @type {QUICStream[]} */
    this.pendingUni = []
    /** Peer streams that arrived before the user could listen; announced by `announce`. @type {QUICStream[]} */
    this.early = []
    /** Whether peer streams are announced as they come. */
    this.announced = false
    /** Ids of streams finished for JS whose native state may still wait for ACKs (the first `lingeringCount`). */
    this.lingering = new Float64Array(16)
    this.lingeringCount = 0
    this.lingeringSweepAt = MAX_LINGERING
    /** Called once no stream is held and quiche has let go of them all (a graceful stop). @type {(() => void) | null} */
    this.onSettled = null
  }

  /** A stream the peer opened. @param {number} id */
  peerStream(id) {
    const conn = this.connection
    if (conn.state === 'stopping' || conn.state === 'stopped') {
      // As 2.x: a connection that is stopping refuses new streams (RESET_STREAM and
      // STOP_SENDING with the code `reasonToCode` gives ErrorQUICConnectionStopping), so a
      // graceful stop does not wait on them.
      for (const direction of /** @type {const} */ (['write', 'read'])) {
        try {
          conn.native.streamShutdown(id, direction, conn.reasonToCode(direction, errors.ErrorQUICConnectionStopping))
        } catch {
          // A peer's unidirectional stream has no write side.
        }
      }
      conn.markDirty()
      return
    }
    const s = QUICStream.createQUICStream({
      connection: conn,
      initiated: 'peer',
      type: (id & 2) === 0 ? 'bidi' : 'uni',
      streamId: id,
    })
    this.streams.set(id, s)
    if (this.announced) conn.emit(events.EventQUICConnectionStream, { detail: s })
    else this.early.push(s)
  }

  /** From now on peer streams are announced as they come; those that came before, now. */
  announce() {
    this.announced = true
    const early = this.early
    this.early = []
    for (const s of early) this.connection.emit(events.EventQUICConnectionStream, { detail: s })
  }

  /** The peer granted stream credit: waiting local streams take their ids. @param {boolean} bidi @param {boolean} uni */
  credit(bidi, uni) {
    if (bidi && this.pendingBidi.length > 0) this.openPending(this.pendingBidi, true)
    if (uni && this.pendingUni.length > 0) this.openPending(this.pendingUni, false)
  }

  /**
   * Opens queued local streams while the peer's credit lasts.
   * @param {QUICStream[]} queue
   * @param {boolean} bidi
   */
  openPending(queue, bidi) {
    const native = this.connection.native
    while (queue.length > 0) {
      // A stream cancelled while it waited never takes an id.
      if (/** @type {QUICStream} */ (queue[0]).closed) {
        queue.shift()
        continue
      }
      const id = native.openStream(bidi)
      if (id == null) return
      const s = /** @type {QUICStream} */ (queue.shift())
      this.streams.set(id, s)
      s.opened(id)
    }
  }

  /** See QUICConnection.newStream. @param {'bidi' | 'uni'} type */
  newStream(type) {
    const conn = this.connection
    const bidi = type === 'bidi'
    const queue = bidi ? this.pendingBidi : this.pendingUni
    if (queue.length > 0) this.openPending(queue, bidi)
    // Ids go in order: a stream takes one now only if none waits before it.
    const id = queue.length === 0 ? conn.native.openStream(bidi) : null
    const s = QUICStream.createQUICStream({ connection: conn, initiated: 'local', type, streamId: id ?? undefined })
    if (id == null) queue.push(s)
    else {
      this.streams.set(id, s)
      conn.markDirty()
    }
    return s
  }

  /**
   * See QUICConnection.openStream.
   * @param {'bidi' | 'uni'} type
   * @param {AbortSignal | undefined} signal
   */
  async openStream(type, signal) {
    const s = this.newStream(type)
    if (s.streamId !== undefined) return s
    /** @type {() => void} */
    let onAbort = () => {}
    try {
      await Promise.race([
        s.openedP,
        new Promise((_, reject) => {
          onAbort = () => reject(new errors.ErrorQUICStreamOpenAborted(undefined, { cause: signal?.reason }))
          signal?.addEventListener('abort', onAbort, { once: true })
        }),
      ])
    } catch (e) {
      const err =
        e instanceof errors.ErrorQUICStreamOpenAborted
          ? e
          : new errors.ErrorQUICStreamOpenAborted(undefined, { cause: e })
      const queue = type === 'bidi' ? this.pendingBidi : this.pendingUni
      const i = queue.indexOf(s)
      if (i >= 0) queue.splice(i, 1)
      s.fail(err)
      throw err
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    return s
  }

  /** Both halves of `s` ended (or it failed): JS lets go of it. @param {QUICStream} s */
  done(s) {
    if (s.streamId !== undefined && this.streams.get(s.streamId) === s) {
      this.streams.delete(s.streamId)
      // Finished for JS, but its last bytes may still wait for an ACK: a graceful stop waits
      // for them too. A stream whose write side was reset or stopped has nothing to deliver.
      if (s.writeState === 'data-sent') this.linger(s.streamId)
      if (this.lingeringCount > this.lingeringSweepAt) {
        this.sweepLingering()
        // Those still waiting for ACKs are asked again once as many more have finished.
        this.lingeringSweepAt = Math.max(MAX_LINGERING, 2 * this.lingeringCount)
      }
    }
    this.checkSettled()
  }

  /** Notes a stream finished for JS that quiche may still hold. @param {number} id */
  linger(id) {
    if (this.lingeringCount === this.lingering.length) {
      const grown = new Float64Array(2 * this.lingering.length)
      grown.set(this.lingering)
      this.lingering = grown
    }
    this.lingering[this.lingeringCount++] = id
  }

  /** Forgets the lingering streams quiche has let go of (one native call). */
  sweepLingering() {
    if (this.lingeringCount > 0)
      this.lingeringCount = this.connection.native.sweepCollected(this.lingering, this.lingeringCount)
  }

  /** Calls `onSettled` once every stream is finished and quiche has let go of them. */
  checkSettled() {
    if (this.onSettled == null || this.streams.size > 0) return
    this.sweepLingering()
    if (this.lingeringCount === 0) this.onSettled()
  }

  /** Resolves once every stream is finished and quiche has let go of them. @returns {Promise<void>} */
  settled() {
    return new Promise((resolve) => {
      this.onSettled = () => {
        this.onSettled = null
        resolve()
      }
      this.checkSettled()
    })
  }

  /**
   * The connection ended: a graceful stop waits no more, and every stream, held, waiting or
   * unannounced, fails with `err`.
   * @param {Error} err
   */
  failAll(err) {
    this.onSettled?.()
    const all = [...this.streams.values(), ...this.pendingBidi, ...this.pendingUni, ...this.early]
    this.pendingBidi = []
    this.pendingUni = []
    this.early = []
    for (const s of all) s.fail(err)
  }
}

module.exports = StreamTable
