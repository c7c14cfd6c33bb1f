// @ts-check
'use strict'
// The `utils` namespace: 2.x's helpers (with the IP ones from ip.js and the PEM ones from
// pem.js), host resolution, stream ids and error codes, and the small helpers the JS layer shares.

const { Buffer } = require('node:buffer')
const dns = require('node:dns')
const events = require('node:events')
const net = require('node:net')
const native = require('./native.js')
const {
  ErrorQUICHostInvalid,
  ErrorQUICStreamPeerRead,
  ErrorQUICStreamPeerWrite,
  ErrorQUICUndefinedBehaviour,
} = require('./errors.js')

/** The default resolver: the OS's, first address (`dns.lookup`). @param {string} hostname */
async function resolveHostname(hostname) {
  const { address } = await dns.promises.lookup(hostname, { verbatim: true })
  return address
}

/**
 * An IP literal for `host`, resolving names through `resolve`.
 * @param {string} host
 * @param {(hostname: string) => string | PromiseLike<string>} [resolve]
 */
async function resolveHostIP(host, resolve = resolveHostname) {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  if (net.isIP(bare) !== 0) return bare
  /** @type {string} */
  let resolved
  try {
    resolved = await resolve(bare)
  } catch (e) {
    throw new ErrorQUICHostInvalid(`${host} did not resolve`, { cause: e })
  }
  if (net.isIP(resolved) === 0) throw new ErrorQUICHostInvalid(`${host} resolved to ${resolved}, not an IP address`)
  return resolved
}

/**
 * 2.x's form: `[ip, 'udp4' | 'udp6']` for `host`, resolving names through `resolve`.
 * @param {string} host
 * @param {(hostname: string) => string | PromiseLike<string>} [resolve]
 * @returns {Promise<[string, 'udp4' | 'udp6']>}
 */
async function resolveHost(host, resolve = resolveHostname) {
  const ip = await resolveHostIP(host, resolve)
  return [ip, net.isIPv4(ip) ? 'udp4' : 'udp6']
}

/** @param {string} ip @param {number} port */
const encodeAddress = (ip, port) => native.encodeAddress(ip, port)

/** The default stream reason → code: 0 for anything. @type {import('../index').StreamReasonToCode} */
const reasonToCode = () => 0
/**
 * The default stream code → reason, as 2.x's: an Error whose message is `read 2` (the peer reset
 * with code 2) or `write 2` (it stopped reading); here an ErrorQUICStreamPeerRead / PeerWrite with
 * `data.code`, so it can be told apart by class and code too.
 * @type {import('../index').StreamCodeToReason}
 */
const codeToReason = (type, code) => {
  const Cls = type === 'read' ? ErrorQUICStreamPeerRead : ErrorQUICStreamPeerWrite
  return new Cls(`${type} ${code}`, { data: { code } })
}

/**
 * A promise with its resolve and reject.
 * @template T
 * @returns {{ p: Promise<T>, resolveP: (v: T) => void, rejectP: (e: unknown) => void }}
 */
function promise() {
  /** @type {(v: T) => void} */
  let resolveP = () => {}
  /** @type {(e: unknown) => void} */
  let rejectP = () => {}
  const p = new Promise((res, rej) => {
    resolveP = res
    rejectP = rej
  })
  return { p, resolveP, rejectP }
}

/** Throws ErrorQUICUndefinedBehaviour: for a state that cannot happen. @param {string} message @returns {never} */
function never(message) {
  throw new ErrorQUICUndefinedBehaviour(message)
}

/** Resolves after the microtasks queued before it. */
const yieldMicro = () => new Promise((resolve) => queueMicrotask(() => resolve(undefined)))

/**
 * A Node-style callback function as one that returns a promise: of nothing, the one result, or
 * the results as an array.
 * @param {(...args: any[]) => unknown} f
 * @returns {(...args: any[]) => Promise<any>}
 */
function promisify(f) {
  /** @this {unknown} @param {any[]} params */
  return function (...params) {
    return new Promise((resolve, reject) => {
      f.call(this, ...params, (/** @type {unknown} */ error, /** @type {unknown[]} */ ...values) => {
        if (error != null) reject(error)
        else resolve(values.length > 1 ? values : values[0])
      })
    })
  }
}

/**
 * A Buffer over the same memory, no copy.
 * @param {ArrayBuffer | ArrayBufferView} array
 * @param {number} [offset]
 * @param {number} [length]
 */
function bufferWrap(array, offset, length) {
  if (Buffer.isBuffer(array)) return array
  if (ArrayBuffer.isView(array)) {
    return Buffer.from(array.buffer, offset ?? array.byteOffset, length ?? array.byteLength)
  }
  return Buffer.from(array, offset, length)
}

/** `Name: description - message`. @param {Error & { description?: string }} error */
const formatError = (error) =>
  `${error.name}${error.description != null ? `: ${error.description}` : ''}${error.message !== undefined ? ` - ${error.message}` : ''}`

/** A connection id's bytes as lowercase hex. @param {Uint8Array} id */
const encodeConnectionId = (id) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
/** Hex back to a connection id's bytes. @param {string} idString */
const decodeConnectionId = (idString) => Buffer.from(idString, 'hex')

/** Stream ids (RFC 9000 §2.1): bit 0 is the initiator, bit 1 the direction. @param {number} id */
const isStreamClientInitiated = (id) => (id & 0b01) === 0
/** @param {number} id */
const isStreamServerInitiated = (id) => (id & 0b01) === 1
/** @param {number} id */
const isStreamBidirectional = (id) => (id & 0b10) === 0
/** @param {number} id */
const isStreamUnidirectional = (id) => (id & 0b10) !== 0

/** @param {unknown} e @param {string} code @param {RegExp} pattern @returns {number | false} */
function peerCode(e, code, pattern) {
  if (!(e instanceof Error)) return false
  const err = /** @type {Error & { code?: unknown, wireCode?: unknown }} */ (e)
  if (err.code === code && typeof err.wireCode === 'number') return err.wireCode
  const m = pattern.exec(err.message)
  return m == null ? false : Number.parseInt(m[1], 10)
}

/** The peer's code if `e` ended a stream the peer stopped (STOP_SENDING), else false. @param {unknown} e */
const isStreamStopped = (e) => peerCode(e, 'ERR_QUIC_STREAM_STOPPED', /StreamStopped\((\d{1,16})\)/)
/** The peer's code if `e` ended a stream the peer reset (RESET_STREAM), else false. @param {unknown} e */
const isStreamReset = (e) => peerCode(e, 'ERR_QUIC_STREAM_RESET', /StreamReset\((\d{1,16})\)/)

/**
 * Raises the listener count past which Node warns, for one target (2.x's default: 100 000).
 * @param {EventTarget | import('node:events').EventEmitter} target
 */
const setMaxListeners = (target, limit = 100000) => events.setMaxListeners(limit, target)

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8')

// Listed name by name (and the IP and PEM helpers by spreading their modules' lists), so that ESM
// named imports of `@matrixai/quic/utils.js` find them.
module.exports = {
  textEncoder,
  textDecoder,
  never,
  yieldMicro,
  promisify,
  promise,
  bufferWrap,
  resolveHostname,
  resolveHost,
  resolveHostIP,
  formatError,
  encodeConnectionId,
  decodeConnectionId,
  isStreamClientInitiated,
  isStreamServerInitiated,
  isStreamBidirectional,
  isStreamUnidirectional,
  isStreamStopped,
  isStreamReset,
  setMaxListeners,
  encodeAddress,
  reasonToCode,
  codeToReason,
  ...require('./ip.js'),
  ...require('./pem.js'),
}
