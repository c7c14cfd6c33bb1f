// @ts-check
'use strict'
// Routing what a QUICSocket receives: a datagram goes to the connection its destination
// connection id names (through the socket's connection map for `dgram`'s datagrams, through the
// native receiver's tokens for its batches, which Rust has already routed), or to the server for
// an id nobody has. Also finds the libuv handle behind a dgram socket, for the native receiver.

const net = require('node:net')
const util = require('node:util')
const errors = require('./errors.js')
const events = require('./events.js')
const native = require('./native.js')
const { heardFrom } = require('./hole-punch.js')

/** Length of every connection id this library issues; short headers are routed by it. */
const CID_LENGTH = 20

/** @typedef {import('node:dgram').Socket} DgramSocket */

/**
 * The libuv handle behind a dgram socket, found without the deprecated `_handle` getter.
 * @param {DgramSocket} socket
 * @returns {{ fd?: number, recvStop?: () => number, recvStart?: () => number } | undefined}
 */
function socketHandle(socket) {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol')
  return state === undefined ? undefined : /** @type {any} */ (socket)[state]?.handle
}

/** The socket's fd, or -1 where Node does not expose one. @param {DgramSocket} socket */
function socketFd(socket) {
  const fd = socketHandle(socket)?.fd
  return Number.isInteger(fd) && /** @type {number} */ (fd) >= 0 ? /** @type {number} */ (fd) : -1
}

/**
 * Hands reading over to a native Receiver where the platform has one; `dgram` keeps reading
 * otherwise (and on any failure here).
 * @param {import('./QUICSocket.js')} qs
 * @param {DgramSocket} socket
 */
function startReceiver(qs, socket) {
  const handle = socketHandle(socket)
  const fd = socketFd(socket)
  if (fd < 0 || typeof handle?.recvStop !== 'function' || !native.Receiver.supported()) return
  let receiver
  try {
    receiver = new native.Receiver(fd, CID_LENGTH, qs.recvTokens, qs.handleBatch)
  } catch {
    return
  }
  // Both read until dgram stops: a datagram goes to one or the other, and both route alike.
  if (handle.recvStop() !== 0) {
    receiver.close()
    return
  }
  qs.receiver = receiver
  // A socket that moves (rebind) already routes connections: the receiver learns each id.
  for (const [key, conn] of qs.routes) qs.registerConnectionId(Buffer.from(key, 'latin1'), conn)
}

/**
 * One batch from the native receiver: the datagrams for known connections are already in
 * quiche; those connections are serviced now, and the rest routed as `dgram` ones are. Called
 * again with `after` once the first call's microtasks have run: the serviced connections flush
 * then, so the replies their listeners wrote go out with the ACKs in one packet.
 * @param {import('./QUICSocket.js')} qs
 * @param {number} touched entries of `recvTokens` to read
 * @param {Array<Buffer | string | number> | undefined} unmatched `[data, host, port, ...]`
 * @param {number} errno
 * @param {boolean} after
 */
function handleBatch(qs, touched, unmatched, errno, after) {
  try {
    const tokens = qs.recvTokens
    if (after) {
      for (let i = 0; i < touched; i++) qs.byToken.get(/** @type {number} */ (tokens[i]))?.flushReceived()
      return
    }
    for (let i = 0; i < touched; i++) qs.byToken.get(/** @type {number} */ (tokens[i]))?.handleReceived()
    if (unmatched !== undefined) {
      for (let i = 0; i < unmatched.length; i += 3) {
        const msg = /** @type {Buffer} */ (unmatched[i])
        const address = /** @type {string} */ (unmatched[i + 1])
        qs.route(msg, {
          address,
          port: /** @type {number} */ (unmatched[i + 2]),
          family: net.isIPv6(address) ? 'IPv6' : 'IPv4',
          size: msg.length,
        })
      }
    }
    if (errno !== 0)
      qs.handleError(Object.assign(new Error(`receiving failed: ${util.getSystemErrorName(-errno)}`), { errno }))
  } catch (e) {
    qs.emit(events.EventQUICSocketError, {
      detail: new errors.ErrorQUICSocketInternal(`routing a batch failed: ${/** @type {Error} */ (e).message}`, {
        cause: e,
      }),
    })
  }
}

/**
 * @param {import('./QUICSocket.js')} qs
 * @param {Buffer} msg
 * @param {import('node:dgram').RemoteInfo} rinfo
 */
function route(qs, msg, rinfo) {
  if (qs.punches.size > 0) heardFrom(qs, rinfo)
  if (msg.length === 0) return
  let start
  let end
  if ((msg[0] & 0x80) !== 0) {
    // Long header: version (4), DCID length (1), DCID.
    if (msg.length < 6) return
    start = 6
    end = 6 + msg[5]
  } else {
    start = 1
    end = 1 + CID_LENGTH
  }
  if (end > msg.length) return
  const conn = qs.routes.get(msg.toString('latin1', start, end))
  if (conn != null) {
    conn.handleDatagram(msg, rinfo)
  } else if (qs.server != null) {
    qs.server.handleNewDatagram(msg, rinfo)
  }
}

module.exports = { CID_LENGTH, socketHandle, socketFd, startReceiver, handleBatch, route }
