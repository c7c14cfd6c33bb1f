// @ts-check
'use strict'
// The simulation's clock: virtual milliseconds that move only from one scheduled event to the
// next, never with the wall. It stands in for Node's timers in the library (`src/clock.js`) and
// for quiche's clock (`setVirtualClock`), so a whole connection, its timers and recovery
// included, runs as fast as the CPU allows and the same way every time. Each event is one
// macrotask: the microtasks it starts run before the next (as in Node's event loop).
const native = require('../../src/native.js')
const { install } = require('../../src/clock.js')

/** @typedef {{ at: number, seq: number, fn: (() => void) | null }} Event */

class VirtualClock {
  constructor() {
    this.t = 0
    this.seq = 0
    /** A binary heap of events by (at, seq). @type {Event[]} */
    this.heap = []
    /** Events run so far. */
    this.steps = 0
    /** The first error an event threw (a driver invariant, a bug): ends the run. @type {unknown} */
    this.error = undefined
    /** @type {import('../../src/clock.js').Clock} */
    this.api = {
      now: () => this.t,
      // Node runs a timer no sooner than 1 ms on.
      setTimeout: (fn, ms) => this.at(this.t + Math.max(1, ms), fn),
      clearTimeout: (ev) => this.cancel(ev),
      setImmediate: (fn) => this.at(this.t, fn),
      clearImmediate: (ev) => this.cancel(ev),
    }
  }

  /**
   * The library and quiche run on this clock until `uninstall`; quiche's random numbers come
   * from `seed`.
   * @param {number} seed
   */
  install(seed) {
    install(this.api)
    native.setVirtualClock(this.t)
    native.seedQuicheRandom(seed)
  }

  uninstall() {
    install(null)
    native.setVirtualClock(null)
    native.seedQuicheRandom(null)
  }

  /** Schedules `fn` at virtual time `at` (after what is already scheduled for then). @param {number} at @param {() => void} fn */
  at(at, fn) {
    /** @type {Event} */
    const ev = { at: Math.max(at, this.t), seq: this.seq++, fn }
    const h = this.heap
    h.push(ev)
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1
      if (!before(h[i], h[parent])) break
      ;[h[i], h[parent]] = [h[parent], h[i]]
      i = parent
    }
    return ev
  }

  /** @param {unknown} ev */
  cancel(ev) {
    if (ev != null) /** @type {Event} */ (ev).fn = null
  }

  /** The next live event, taken off the heap; null when none is left. */
  pop() {
    const h = this.heap
    while (h.length > 0) {
      const top = h[0]
      const last = /** @type {Event} */ (h.pop())
      if (h.length > 0) {
        h[0] = last
        for (let i = 0; ; ) {
          const l = 2 * i + 1
          const r = l + 1
          let m = i
          if (l < h.length && before(h[l], h[m])) m = l
          if (r < h.length && before(h[r], h[m])) m = r
          if (m === i) break
          ;[h[i], h[m]] = [h[m], h[i]]
          i = m
        }
      }
      if (top.fn != null) return top
    }
    return null
  }

  /**
   * Runs events until `promise` settles. Returns 'done'; 'stalled' when nothing is scheduled and
   * the promise still waits (nothing will ever happen again: a stall by construction), 'limit'
   * when virtual time would pass `limitMs`, 'steps' past `maxSteps` events or with more than
   * `maxSteps` waiting (a busy loop), 'error' when an event threw (see `error`).
   * @param {Promise<unknown>} promise
   * @param {number} limitMs
   * @param {number} [maxSteps]
   * @returns {Promise<'done' | 'stalled' | 'limit' | 'steps' | 'error'>}
   */
  async runUntil(promise, limitMs, maxSteps = 2_000_000) {
    const lastStep = this.steps + maxSteps
    let settled = false
    promise.then(
      () => {
        settled = true
      },
      () => {
        settled = true
      },
    )
    await macrotask()
    while (!settled) {
      const ev = this.pop()
      if (ev == null) {
        // Microtasks may still schedule something.
        await macrotask()
        if (settled) break
        if (this.heap.length === 0) return 'stalled'
        continue
      }
      if (ev.at > limitMs) return 'limit'
      if (this.steps >= lastStep || this.heap.length > maxSteps) return 'steps'
      if (ev.at > this.t) {
        this.t = ev.at
        native.setVirtualClock(this.t)
      }
      const fn = /** @type {() => void} */ (ev.fn)
      ev.fn = null
      this.steps++
      try {
        fn()
      } catch (e) {
        this.error = e
        return 'error'
      }
      await macrotask()
    }
    return 'done'
  }
}

/** @param {Event} a @param {Event} b */
const before = (a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

/** One real turn of the event loop: every pending microtask runs first. */
const macrotask = () => new Promise((resolve) => setImmediate(resolve))

module.exports = VirtualClock
