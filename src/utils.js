// @ts-check
'use strict'
// Small helpers shared by the JS layer: addresses, host resolution, stream error codes, PEM
// certificates.

const { Buffer } = require('node:buffer')
const crypto = require('node:crypto')
const dns = require('node:dns')
const net = require('node:net')
const native = require('./native.js')
const { ErrorQUICHostInvalid, ErrorQUICPortInvalid } = require('./errors.js')

/** The default resolver: the OS's, first address (`dns.lookup`). @param {string} hostname */
async function resolveHostname(hostname) {
  const { address } = await dns.promises.lookup(hostname)
  return address
}

/**
 * An IP literal for `host`, resolving names through `resolve`.
 * @param {string} host
 * @param {(hostname: string) => string | PromiseLike<string>} [resolve]
 */
async function resolveHost(host, resolve = resolveHostname) {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  if (net.isIP(bare) !== 0) return bare
  const ip = await resolve(bare)
  if (net.isIP(ip) === 0) throw new ErrorQUICHostInvalid(`${host} resolved to ${ip}, not an IP address`)
  return ip
}

/**
 * An IPv6 address in its one canonical spelling, bracketed (`[::ffff:7f00:1]` for both
 * `::ffff:127.0.0.1` and `0:0::ffff:7f00:1`): the URL parser's.
 * @param {string} ip
 */
const canonicalIPv6 = (ip) => new URL(`http://[${ip}]/`).hostname

/**
 * A wildcard address as a target means this host, as in 2.x: `0.0.0.0` → `127.0.0.1`, `::` →
 * `::1`, `::ffff:0.0.0.0` → `::ffff:127.0.0.1`. Other addresses are returned as they are.
 * @param {string} ip
 */
function wildcardToLoopback(ip) {
  if (ip === '0.0.0.0') return '127.0.0.1'
  if (!net.isIPv6(ip)) return ip
  const canonical = canonicalIPv6(ip)
  if (canonical === '[::]') return '::1'
  if (canonical === '[::ffff:0:0]') return '::ffff:127.0.0.1'
  return ip
}

/** @param {unknown} port */
function checkPort(port) {
  if (!Number.isInteger(port) || /** @type {number} */ (port) < 0 || /** @type {number} */ (port) > 65535) {
    throw new ErrorQUICPortInvalid(`port ${String(port)} is not an integer from 0 to 65535`)
  }
  return /** @type {number} */ (port)
}

/**
 * The IPv4 address an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`) stands
 * for; null for any other address.
 * @param {string} ip
 */
function fromIPv4Mapped(ip) {
  if (!net.isIPv6(ip)) return null
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonicalIPv6(ip))
  if (m == null) return null
  const hi = Number.parseInt(m[1], 16)
  const lo = Number.parseInt(m[2], 16)
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
}

/**
 * The address a socket of `type` bound to `socketHost` sends to for `ip`, as 2.x has it: a
 * dual-stack socket writes IPv4 peers IPv4-mapped; an IPv4 socket takes IPv4-mapped peers as
 * IPv4 (and one bound to an IPv4-mapped address writes IPv4 peers mapped); an IPv6 socket
 * cannot reach IPv4 peers. Throws `invalid` (an error class) for a peer the socket cannot reach.
 * @param {string} ip
 * @param {'ipv4' | 'ipv6' | 'ipv4&ipv6'} type
 * @param {string} socketHost
 * @param {new (message?: string) => Error} invalid
 */
function toSocketFamily(ip, type, socketHost, invalid) {
  const mapped = fromIPv4Mapped(ip)
  if (type === 'ipv4&ipv6') return net.isIPv4(ip) ? `::ffff:${ip}` : ip
  if (type === 'ipv4') {
    const v4 = net.isIPv4(ip) ? ip : mapped
    if (v4 == null) throw new invalid(`an IPv4 socket cannot reach ${ip}`)
    return fromIPv4Mapped(socketHost) != null ? `::ffff:${v4}` : v4
  }
  if (net.isIPv4(ip) || mapped != null) throw new invalid(`an IPv6 socket cannot reach ${ip}`)
  return ip
}

/** @param {string} ip @param {number} port */
const encodeAddress = (ip, port) => native.encodeAddress(ip, port)

/** The default stream reason → code: 0 for anything. @type {import('../index').StreamReasonToCode} */
const reasonToCode = () => 0
/** The default stream code → reason: the code itself. @type {import('../index').StreamCodeToReason} */
const codeToReason = (_type, code) => code

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

/**
 * The certificates in PEM input (one PEM or several, strings or bytes), DER.
 * @param {import('../index').PEMInput | undefined} pem
 * @returns {Uint8Array[]}
 */
function parseCertificates(pem) {
  if (pem == null) return []
  /** @type {Uint8Array[]} */
  const out = []
  for (const item of Array.isArray(pem) ? pem : [pem]) {
    const text = typeof item === 'string' ? item : Buffer.from(item).toString()
    for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)) {
      out.push(new crypto.X509Certificate(m[0]).raw)
    }
  }
  return out
}

module.exports = {
  fromIPv4Mapped,
  wildcardToLoopback,
  parseCertificates,
  resolveHostname,
  resolveHost,
  checkPort,
  toSocketFamily,
  encodeAddress,
  reasonToCode,
  codeToReason,
  promise,
}
