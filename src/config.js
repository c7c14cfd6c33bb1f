// @ts-check
'use strict'
// The only home of defaults. Names follow @matrixai/quic 2.x's `QUICConfig`; options of the native
// core that 2.x lacked are accepted under their native names. Unknown options are refused by name.

const { ErrorQUICConfig } = require('./errors.js')
const { createNativeConfig, optionKinds } = require('./native-options.js')

const KiB = 1024
const MiB = 1024 * KiB

/** @typedef {import('../index').QUICConfig} QUICConfig */

/** @type {Omit<QUICConfig, 'verifyPeer'>} */
const common = {
  // RFC 9308 §3.2: idle timeouts above 30 s meet NAT bindings that have already expired.
  maxIdleTimeout: 30_000,
  // Keep-alive is opt-in: a PING every interval keeps a NAT binding (and the idle timer) alive.
  keepAliveIntervalTime: undefined,
  maxRecvUdpPayloadSize: 65527,
  // Fits a 1500-byte Ethernet MTU with IPv6 and a tunnel header to spare.
  maxSendUdpPayloadSize: 1350,
  // Windows: 10 MiB of connection credit covers 100 ms × ~800 Mbit/s before the first update;
  // quiche then grows them up to the max windows as the reader keeps up.
  initialMaxData: 10 * MiB,
  initialMaxStreamDataBidiLocal: 1 * MiB,
  initialMaxStreamDataBidiRemote: 1 * MiB,
  initialMaxStreamDataUni: 1 * MiB,
  initialMaxStreamsBidi: 100,
  initialMaxStreamsUni: 100,
  maxConnectionWindow: 24 * MiB,
  maxStreamWindow: 16 * MiB,
  // [enabled, receive queue length, send queue length] as in 2.x.
  enableDgram: [false, 1000, 1000],
  disableActiveMigration: false,
  applicationProtos: ['quic'],
  enableEarlyData: true,
  grease: true,
  // The most a reader is handed in one chunk: large chunks, few crossings, bounded memory.
  readableChunkSize: 256 * KiB,
  // 2.x's stream timing (see QUICConfig.eagerStreams): off, for backpressure and fewer packets.
  eagerStreams: false,
  // Spare connection ids let a peer change paths (NAT rebinding, migration) unlinkably.
  activeConnectionIdLimit: 4,
}

/** @type {QUICConfig} */
const clientDefault = Object.freeze({ ...common, verifyPeer: true })
/** @type {QUICConfig} */
const serverDefault = Object.freeze({ ...common, verifyPeer: false })

/** Options of the JS layer that do not go to the native core. */
const jsOnly = new Set([
  'verifyCallback',
  'keepAliveIntervalTime',
  'readableChunkSize',
  'enableDgram',
  'eagerStreams',
  'qlogDir',
])
/** Native option names also accepted directly. */
const nativeNames = new Set(Object.keys(optionKinds))
/** Old names refused with a pointer to their replacement. */
const renamed = new Map([['enableDgramRecvQueue', 'enableDgram']])

/**
 * Merges `input` over `defaults`, refusing unknown options by name.
 * @param {QUICConfig} defaults
 * @param {Partial<QUICConfig> | undefined} input
 * @returns {QUICConfig}
 */
function mergeConfig(defaults, input = {}) {
  if (input == null || typeof input !== 'object') throw new ErrorQUICConfig('config must be an object', 'config')
  for (const key of Object.keys(input)) {
    if (renamed.has(key)) throw new ErrorQUICConfig(`${key} was renamed to ${renamed.get(key)}`, key)
    if (!jsOnly.has(key) && !nativeNames.has(key))
      throw new ErrorQUICConfig(`unknown config option ${JSON.stringify(key)}`, key)
  }
  /** @type {Record<string, unknown>} */
  const out = { ...defaults }
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v
  const config = /** @type {QUICConfig} */ (/** @type {unknown} */ (out))
  const d = config.enableDgram
  if (
    !Array.isArray(d) ||
    d.length !== 3 ||
    typeof d[0] !== 'boolean' ||
    !Number.isInteger(d[1]) ||
    !Number.isInteger(d[2])
  ) {
    throw new ErrorQUICConfig('enableDgram must be [enabled, recvQueueLen, sendQueueLen]', 'enableDgram')
  }
  if (
    config.keepAliveIntervalTime !== undefined &&
    !(typeof config.keepAliveIntervalTime === 'number' && config.keepAliveIntervalTime > 0)
  ) {
    throw new ErrorQUICConfig('keepAliveIntervalTime must be a positive number of ms', 'keepAliveIntervalTime')
  }
  if (!(Number.isInteger(config.readableChunkSize) && config.readableChunkSize > 0)) {
    throw new ErrorQUICConfig('readableChunkSize must be a positive integer', 'readableChunkSize')
  }
  if (config.verifyCallback !== undefined && typeof config.verifyCallback !== 'function') {
    throw new ErrorQUICConfig('verifyCallback must be a function', 'verifyCallback')
  }
  return config
}

/**
 * The native core's options for a config.
 * @param {QUICConfig} config
 * @returns {import('./native/binding').ConfigOptions}
 */
function toNativeOptions(config) {
  /** @type {Record<string, unknown>} */
  const o = {}
  for (const [k, v] of Object.entries(config)) if (!jsOnly.has(k) && v !== undefined) o[k] = v
  const [dgram, recvLen, sendLen] = config.enableDgram
  o.enableDgram = dgram
  o.dgramRecvQueueLen = recvLen
  o.dgramSendQueueLen = sendLen
  if (config.verifyCallback != null) {
    // The chain is requested and kept; the callback judges it once the handshake is done.
    o.verifyPeer = true
    o.verifyAllowFail = true
  }
  return o
}

/**
 * 2.x's: the native config for a whole QUICConfig, as a client or server builds it. A key that
 * does not match its certificate, an unknown signature algorithm and the like throw
 * ErrorQUICConfig.
 * @param {import('../index').QUICConfig} config
 */
function buildQuicheConfig(config) {
  try {
    return createNativeConfig(toNativeOptions(config))
  } catch (e) {
    if (e instanceof ErrorQUICConfig) throw e
    throw new ErrorQUICConfig(/** @type {Error} */ (e).message, /** @type {any} */ (e).field ?? 'config', { cause: e })
  }
}

module.exports = { clientDefault, serverDefault, mergeConfig, toNativeOptions, buildQuicheConfig }
