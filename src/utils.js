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
 * A wildcard address as a target means this host, as in 2.x: `0.0.0.0` → `127.0.0.1`, `::` →
 * `::1`, `::ffff:0.0.0.0` → `::ffff:127.0.0.1`. Other addresses are returned as they are.
 * @param {string} ip
 */
function wildcardToLoopback(ip) {
  if (ip === '0.0.0.0') return '127.0.0.1'
  if (!net.isIPv6(ip)) return ip
  // The URL parser writes every IPv6 form canonically.
  const canonical = new URL(`http://[${ip}]/`).hostname
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
 * The address as a socket of `type` sends to it: IPv4 peers of a dual-stack socket become IPv4-mapped.
 * @param {string} ip
 * @param {'ipv4' | 'ipv6' | 'ipv4&ipv6'} type
 */
function toSocketFamily(ip, type) {
  if (type === 'ipv4&ipv6' && net.isIPv4(ip)) return `::ffff:${ip}`
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
