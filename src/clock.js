// @ts-check
'use strict'
// The time and timers the JS layer runs on: Node's, unless a deterministic simulation (`npm run
// sim`) installs its virtual clock, which then also sets the time quiche reads. Every read of the
// time and every timer in `src/` goes through here; nothing else in the library keeps time.

// Node's `performance` global is a getter: a slow lookup on every use.
const { performance } = require('node:perf_hooks')

/**
 * @typedef {object} Clock
 * @property {() => number} now milliseconds, monotonic (performance.now() by default)
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(timer: any) => void} clearTimeout
 * @property {(fn: () => void) => unknown} setImmediate runs `fn` after the current turn's microtasks
 * @property {(immediate: any) => void} clearImmediate
 */

/** @type {Clock} */
const real = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (immediate) => clearImmediate(immediate),
}

/** The clock in use: read its members at each use, never keep them. @type {Clock} */
const clock = { ...real }

/**
 * Runs the library on `replacement` (a simulation's virtual clock), or on Node's again with
 * nothing. Connections made on one clock must end on it.
 * @param {Clock | null} replacement
 */
function install(replacement) {
  Object.assign(clock, replacement ?? real)
}

module.exports = { clock, install }
