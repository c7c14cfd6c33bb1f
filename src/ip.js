// @ts-check
'use strict'
// IP addresses and ports: the checks and conversions 2.x's `utils` had (IPv4-mapped IPv6 in its
// dotted and hex spellings, wildcards, canonical forms), and which address a socket sends to.

const net = require('node:net')
const { ErrorQUICPortInvalid } = require('./errors.js')

const MAPPED = '::ffff:'

/** @param {string} host */
const isIPv4 = (host) => net.isIPv4(host)

/**
 * An IPv6 address in its one canonical spelling, bracketed (`[::ffff:7f00:1]` for both
 * `::ffff:127.0.0.1` and `0:0::ffff:7f00:1`): the URL parser's.
 * @param {string} ip
 */
const canonicalIPv6 = (ip) => new URL(`http://[${ip}]/`).hostname

/**
 * The IPv4 address an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`, in any
 * spelling) stands for; null for any other address.
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

/** An IPv6 address, IPv4-mapped ones included. @param {string} host */
const isIPv6 = (host) => net.isIPv6(host)

/** `::ffff:` followed by an IPv4 address, dotted (`::ffff:127.0.0.1`) or hex (`::ffff:7f00:1`). @param {string} host */
const isIPv4MappedIPv6 = (host) => isIPv4MappedIPv6Dec(host) || isIPv4MappedIPv6Hex(host)

/** `::ffff:` and a dotted IPv4 address. @param {string} host */
const isIPv4MappedIPv6Dec = (host) => host.startsWith(MAPPED) && net.isIPv4(host.slice(MAPPED.length))

/** `::ffff:` and two hex groups. @param {string} host */
const isIPv4MappedIPv6Hex = (host) =>
  host.startsWith(MAPPED) && /^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(host.slice(MAPPED.length))

/** @param {string} host */
function checkIPv4(host) {
  if (!net.isIPv4(host)) throw new TypeError(`${host} is not an IPv4 address`)
  return host
}

/** `127.0.0.1` → `::ffff:127.0.0.1`. @param {string} host */
const toIPv4MappedIPv6Dec = (host) => MAPPED + checkIPv4(host)

/** `127.0.0.1` → `::ffff:7f00:1`. @param {string} host */
function toIPv4MappedIPv6Hex(host) {
  const [a, b, c, d] = checkIPv4(host).split('.').map(Number)
  return `${MAPPED}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
}

/** The dotted IPv4 address in `::ffff:…` (either spelling); throws TypeError for anything else. @param {string} host */
function fromIPv4MappedIPv6(host) {
  if (!isIPv4MappedIPv6(host)) throw new TypeError(`${host} is not an IPv4-mapped IPv6 address`)
  return /** @type {string} */ (fromIPv4Mapped(host))
}

/** `0.0.0.0`, `::`, `::0`, `::ffff:0.0.0.0` or `::ffff:0:0`. @param {string} host */
const isHostWildcard = (host) => ['0.0.0.0', '::', '::0', '::ffff:0.0.0.0', '::ffff:0:0'].includes(host)

/** IPv4 in any spelling → dotted IPv4; IPv6 as it is; throws TypeError for a non-address. @param {string} host */
function toCanonicalIP(host) {
  if (isIPv4MappedIPv6(host)) return fromIPv4MappedIPv6(host)
  if (net.isIP(host) !== 0) return host
  throw new TypeError(`${host} is not an IP address`)
}

/**
 * A wildcard address as a target means this host, as in 2.x: `0.0.0.0` → `127.0.0.1`, `::` →
 * `::1`, `::ffff:0.0.0.0` → `::ffff:127.0.0.1`. Other addresses are returned as they are.
 * @param {string} ip
 */
function resolvesZeroIP(ip) {
  if (ip === '0.0.0.0') return '127.0.0.1'
  if (!net.isIPv6(ip)) return ip
  const canonical = canonicalIPv6(ip)
  if (canonical === '[::]') return '::1'
  if (canonical === '[::ffff:0:0]') return '::ffff:127.0.0.1'
  return ip
}

/** An integer from 0 to 65535. @param {unknown} port */
const isPort = (port) =>
  Number.isInteger(port) && /** @type {number} */ (port) >= 0 && /** @type {number} */ (port) <= 65535

/** `port`, or ErrorQUICPortInvalid. @param {unknown} port */
function toPort(port) {
  if (!isPort(port)) throw new ErrorQUICPortInvalid(`port ${String(port)} is not an integer from 0 to 65535`)
  return /** @type {number} */ (port)
}

/** `host:port`, an IPv6 host in brackets. @param {string} host @param {number} [port] */
const buildAddress = (host, port = 0) => (net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`)

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
  if (type === 'ipv4&ipv6') return net.isIPv4(ip) ? `${MAPPED}${ip}` : ip
  const mapped = fromIPv4Mapped(ip)
  if (type === 'ipv4') {
    const v4 = net.isIPv4(ip) ? ip : mapped
    if (v4 == null) throw new invalid(`an IPv4 socket cannot reach ${ip}`)
    return fromIPv4Mapped(socketHost) != null ? `${MAPPED}${v4}` : v4
  }
  if (net.isIPv4(ip) || mapped != null) throw new invalid(`an IPv6 socket cannot reach ${ip}`)
  return ip
}

/**
 * 2.x's check of a target before sending: a wildcard target is refused; otherwise as
 * `toSocketFamily`.
 * @param {string} socketHost
 * @param {'ipv4' | 'ipv6' | 'ipv4&ipv6'} socketType
 * @param {string} targetHost
 * @param {'udp4' | 'udp6'} _targetUdpType
 * @param {new (message?: string) => Error} invalid
 */
function validateTarget(socketHost, socketType, targetHost, _targetUdpType, invalid) {
  if (isHostWildcard(targetHost)) throw new invalid(`wildcard target host ${targetHost}`)
  return toSocketFamily(targetHost, socketType, socketHost, invalid)
}

module.exports = {
  canonicalIPv6,
  fromIPv4Mapped,
  isIPv4,
  isIPv6,
  isIPv4MappedIPv6,
  isIPv4MappedIPv6Dec,
  isIPv4MappedIPv6Hex,
  toIPv4MappedIPv6Dec,
  toIPv4MappedIPv6Hex,
  fromIPv4MappedIPv6,
  isHostWildcard,
  toCanonicalIP,
  resolvesZeroIP,
  isPort,
  toPort,
  buildAddress,
  toSocketFamily,
  validateTarget,
}
