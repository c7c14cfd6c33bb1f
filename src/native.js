// @ts-check
'use strict'
// The raw addon, as src/native/load.js finds it (a checkout's build or the per-platform package),
// typed by the `binding.d.ts` that `napi build` generates. Everything above this file goes
// through here.

/**
 * The per-packet calls as plain Node-API functions (src/native/fast.rs): each does what the
 * `Connection` method of the same name does, without napi-rs's per-call glue (half the cost of
 * a small call). Each takes the connection's `handle()`. Not in the generated `binding.d.ts`, so
 * typed here.
 * @typedef {object} FastCalls
 * @property {(handle: number, out: Float64Array) => number} pollInto
 * @property {(handle: number, streamId: number, maxLength: number, target: Uint8Array, offset: number) => number | import('./native/binding').StreamChunk} streamReadInto
 * @property {(handle: number, streamId: number, data: Uint8Array, fin: boolean) => number} streamSend
 * @property {(handle: number, fd: number, maxPackets: number, state: Float64Array) => number} flushToFd
 */

/** @type {typeof import('./native/binding') & { fast: FastCalls }} */
const binding = require('./native/load.js').loadNative()

module.exports = binding
