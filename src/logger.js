// @ts-check
'use strict'
// Logging as 2.x does it: an optional `@matrixai/logger`-compatible object (`debug`, `info`,
// `warn`, `error`, and `getChild(name)` for the objects a server or client makes), silent by
// default. Only life-cycle steps and errors are logged, never per packet.

/**
 * @typedef {object} Logger
 * @property {(msg: string) => void} debug
 * @property {(msg: string) => void} info
 * @property {(msg: string) => void} warn
 * @property {(msg: string) => void} error
 * @property {(name: string) => Logger} [getChild]
 */

/** @type {Logger} */
const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild: () => silent,
}

/**
 * The logger an object uses: `given`, or `parent`'s child named `name`, or silence.
 * @param {unknown} given
 * @param {Logger | null} parent
 * @param {string} name
 * @returns {Logger}
 */
function loggerFor(given, parent, name) {
  if (given != null) return /** @type {Logger} */ (given)
  if (parent == null || parent === silent) return silent
  return typeof parent.getChild === 'function' ? parent.getChild(name) : parent
}

module.exports = { silent, loggerFor }
