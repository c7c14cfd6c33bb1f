// @ts-check
'use strict'
// Builds the addon's `Config` from a plain options object, checking each option's kind first so
// a mistake is reported as `ERR_QUIC_INVALID_CONFIG` naming the option, never as a napi
// conversion error. Ranges and PEM contents are checked by the addon, with the same codes.

const native = require('./native.js')
const { ErrorQUICConfig } = require('./errors.js')

/** @typedef {'number' | 'boolean' | 'string' | 'strings' | 'pem' | 'bytes'} Kind */

/** @type {Readonly<Record<keyof import('./native/binding').ConfigOptions, Kind>>} */
const optionKinds = Object.freeze({
  key: 'pem',
  cert: 'pem',
  ca: 'pem',
  caSystem: 'boolean',
  verifyPeer: 'boolean',
  verifyAllowFail: 'boolean',
  sigalgs: 'string',
  applicationProtos: 'strings',
  logKeys: 'string',
  grease: 'boolean',
  maxIdleTimeout: 'number',
  maxRecvUdpPayloadSize: 'number',
  maxSendUdpPayloadSize: 'number',
  initialMaxData: 'number',
  initialMaxStreamDataBidiLocal: 'number',
  initialMaxStreamDataBidiRemote: 'number',
  initialMaxStreamDataUni: 'number',
  initialMaxStreamsBidi: 'number',
  initialMaxStreamsUni: 'number',
  ackDelayExponent: 'number',
  maxAckDelay: 'number',
  activeConnectionIdLimit: 'number',
  disableActiveMigration: 'boolean',
  maxConnectionWindow: 'number',
  maxStreamWindow: 'number',
  ccAlgorithm: 'string',
  initialCongestionWindowPackets: 'number',
  enableHystart: 'boolean',
  enablePacing: 'boolean',
  maxPacingRate: 'number',
  discoverPmtu: 'boolean',
  enableDgram: 'boolean',
  dgramRecvQueueLen: 'number',
  dgramSendQueueLen: 'number',
  enableEarlyData: 'boolean',
  ticketKey: 'bytes',
  maxAmplificationFactor: 'number',
  initialRtt: 'number',
  disableDcidReuse: 'boolean',
  connectionIdLength: 'number',
  statelessResetKey: 'bytes',
})

/** @param {unknown} v */
const isPemItem = (v) => typeof v === 'string' || v instanceof Uint8Array

/** @type {Record<Kind, (v: unknown) => boolean>} */
const checks = {
  number: (v) => typeof v === 'number' && !Number.isNaN(v),
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  strings: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
  pem: (v) => isPemItem(v) || (Array.isArray(v) && v.every(isPemItem)),
  bytes: (v) => v instanceof Uint8Array,
}

/** @type {Record<Kind, string>} */
const kindNames = {
  number: 'a number',
  boolean: 'a boolean',
  string: 'a string',
  strings: 'an array of strings',
  pem: 'a PEM string or Uint8Array, or an array of them',
  bytes: 'a Uint8Array',
}

/**
 * @param {import('./native/binding').ConfigOptions} options
 * @returns {import('./native/binding').ConfigOptions}
 */
function checkOptions(options) {
  if (options == null || typeof options !== 'object') {
    throw new ErrorQUICConfig('options must be an object', 'options')
  }
  /** @type {Record<string, unknown>} */
  const out = {}
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue
    const kind = /** @type {Record<string, Kind | undefined>} */ (optionKinds)[name]
    if (kind === undefined) {
      throw new ErrorQUICConfig(`unknown option ${JSON.stringify(name)}`, name)
    }
    if (!checks[kind](value)) {
      throw new ErrorQUICConfig(`${name} must be ${kindNames[kind]}`, name)
    }
    out[name] =
      kind === 'pem' && value instanceof Uint8Array && !Buffer.isBuffer(value)
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        : value
  }
  return out
}

/**
 * A native `Config` from checked options.
 * @param {import('./native/binding').ConfigOptions} options
 */
function createNativeConfig(options) {
  return new native.Config(checkOptions(options))
}

module.exports = { createNativeConfig, checkOptions, optionKinds }
