// @ts-check
'use strict'
// StreamHalf: what a stream's read half and write half share: one named state, open until
// `close` moves it to one of the ending states (the only way out), the error that ended it early,
// the Web Stream's controller and the one call waiting on the half, which the error fails.
// As in 2.x, calls fail with the reason itself (what `codeToReason` gave for the peer's code, or
// what `cancel(reason)` was given); the close event carries the error that says what happened.

const errors = require('./errors.js')

/**
 * What calls on a half that ended with `err` reject with: the peer's reason (`codeToReason`'s
 * value), the reason a local cancel was given, or else `err`.
 * @param {Error} err
 */
function rejectionOf(err) {
  const e = /** @type {Error & { data?: Record<string, unknown> }} */ (err)
  if (e instanceof errors.ErrorQUICStreamPeerRead || e instanceof errors.ErrorQUICStreamPeerWrite) {
    if (e.data != null && 'reason' in e.data) return e.data.reason
  }
  if (e instanceof errors.ErrorQUICStreamLocalRead || e instanceof errors.ErrorQUICStreamLocalWrite) {
    if (e.cause !== undefined) return e.cause
  }
  return err
}

/** @typedef {{ resolve: (v?: unknown) => void, reject: (e: unknown) => void }} Waiter */

/** @template {{ error(e?: unknown): void }} Controller the Web Stream's controller */
class StreamHalf {
  /**
   * @param {import('./QUICStream.js')} stream
   * @param {string} open the state while the half is open
   * @param {string} initial `open`, or the state of a half the stream does not have
   * @param {new (init?: { detail?: any }) => Event} closeEvent the event `close` dispatches
   */
  constructor(stream, open, initial, closeEvent) {
    this.stream = stream
    this.open = open
    /** @type {string} */
    this.state = initial
    this.closeEvent = closeEvent
    /** Whether the half ended early (an error, not its normal end). */
    this.errored = false
    /** What calls fail with once it has (`rejectionOf` the error). @type {unknown} */
    this.error = null
    /** @type {Controller | null} */
    this.controller = null
    /** The call waiting on the half (a read for data, a write for capacity). @type {Waiter | null} */
    this.waiter = null
  }

  /** Whether the half has ended (or never existed). */
  get closed() {
    return this.state !== this.open
  }

  /**
   * Ends the half in `state` (the only way out of the open state). With `err`, the Web Stream
   * (now, or when it is made) and a waiting call fail with it. `quiet`: no close event (the
   * connection ended).
   * @param {string} state
   * @param {Error | null} [err]
   * @param {boolean} [quiet]
   */
  close(state, err = null, quiet = false) {
    if (this.state !== this.open) return
    this.state = state
    if (err != null) {
      this.errored = true
      this.error = rejectionOf(err)
      this.controller?.error(this.error)
      this.waiter?.reject(this.error)
      this.waiter = null
    }
    if (!quiet) this.stream.emit(this.closeEvent, err == null ? undefined : { detail: err })
    this.stream.halfClosed()
  }
}

module.exports = StreamHalf
