// @ts-check
'use strict'
// Where a QUICSocket's UDP socket is bound: the first bind (`start`), and a rebind to a new local
// address that moves reading, sending and every client connection on the socket there
// (client-side connection migration, RFC 9000 §9: each connection switches to a fresh
// connection id on the new path, which both ends validate). A server's socket cannot move: its
// clients know it by its address.

const dgram = require('node:dgram')
const net = require('node:net')
const { clock } = require('./clock.js')
const errors = require('./errors.js')
const utils = require('./utils.js')
const native = require('./native.js')
const routing = require('./socket-routing.js')

/** How long a migrating connection waits for its new path to be validated (ms). */
const DEFAULT_MIGRATE_TIMEOUT = 10_000

/**
 * A new dgram socket bound to `ip:port`, with the socket's buffer sizes and error handler.
 * @param {import('./QUICSocket.js')} qs
 * @param {{ ip: string, port: number, reuseAddr: boolean, ipv6Only: boolean }} at
 * @returns {Promise<{ socket: dgram.Socket, type: 'ipv4' | 'ipv6' | 'ipv4&ipv6' }>}
 */
async function bindUdp(qs, { ip, port, reuseAddr, ipv6Only }) {
  const family = net.isIPv6(ip) ? 'udp6' : 'udp4'
  const socket = dgram.createSocket({ type: family, reuseAddr, ipv6Only })
  socket.on('error', qs.handleError)
  try {
    await new Promise((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, ip, () => {
        socket.off('error', reject)
        resolve(undefined)
      })
    })
  } catch (e) {
    socket.off('error', qs.handleError)
    socket.close()
    throw new errors.ErrorQUICSocketInvalidBindAddress(
      `cannot bind ${ip}:${port}: ${/** @type {Error} */ (e).message}`,
      {
        cause: e,
      },
    )
  }
  // As 2.x: a socket bound to an IPv4-mapped address talks IPv4 only.
  /** @type {'ipv4' | 'ipv6' | 'ipv4&ipv6'} */
  let type
  if (family === 'udp4' || utils.fromIPv4Mapped(ip) != null) type = 'ipv4'
  else type = ipv6Only || ip !== '::' ? 'ipv6' : 'ipv4&ipv6'
  return { socket, type }
}

/**
 * Makes `socket` the one `qs` reads from and sends on: buffer sizes, the `message` handler or
 * the native receiver, the fd for batched sends, the address.
 * @param {import('./QUICSocket.js')} qs @param {dgram.Socket} socket @param {boolean} owned
 */
function attach(qs, socket, owned) {
  try {
    socket.setRecvBufferSize(qs.recvBufferSize)
    socket.setSendBufferSize(qs.sendBufferSize)
  } catch {
    // The kernel caps the sizes (net.core.rmem_max); the defaults still work, only slower.
  }
  socket.on('message', qs.handleMessage)
  qs.fd = qs.batchedSend && native.canSendToFd() ? routing.socketFd(socket) : -1
  if (qs.batchedRecv && owned) qs.startReceiver(socket)
  const addr = socket.address()
  qs.socket = socket
  qs._host = addr.address
  qs._port = addr.port
}

/**
 * Moves `qs` to a new local address (`host`: the current one unless given; `port`: 0, any) and
 * every client connection on it with it; resolves once each has its new path validated.
 * @param {import('./QUICSocket.js')} qs
 * @param {{ host?: string, port?: number, timeout?: number }} [opts]
 */
async function rebind(qs, { host, port = 0, timeout = DEFAULT_MIGRATE_TIMEOUT } = {}) {
  if (!qs.running || qs.socket == null) throw new errors.ErrorQUICSocketNotRunning()
  if (qs.server != null) {
    throw new errors.ErrorQUICConnectionMigrate('a server socket cannot move: its clients know it by its address')
  }
  if (qs.givenSocket != null) {
    throw new errors.ErrorQUICConnectionMigrate(
      'the socket was handed in (opts.socket): this QUICSocket does not own it',
    )
  }
  utils.toPort(port)
  const moving = [...qs.connectionMap.values()].filter(
    (c) => /** @type {any} */ (c).type === 'client' && !(/** @type {any} */ (c).closed),
  )
  // Nothing moves unless everything can.
  for (const c of moving) {
    const why = /** @type {any} */ (c).native.migrationBlocker()
    if (why != null) throw new errors.ErrorQUICConnectionMigrate(`cannot migrate: ${why}`)
  }
  const ip = host == null ? qs.host : await utils.resolveHostIP(host, qs.resolveHostname)
  if (net.isIPv6(ip) !== net.isIPv6(qs.host)) {
    throw new errors.ErrorQUICSocketInvalidBindAddress(`cannot move from ${qs.host} to ${ip}: another address family`)
  }
  const { socket, type } = await bindUdp(qs, { ip, port, reuseAddr: false, ipv6Only: qs.type === 'ipv6' })
  const old = /** @type {dgram.Socket} */ (qs.socket)
  const from = `${qs.host}:${qs.port}`
  // Reading moves: the old receiver stops, the new one learns every route.
  old.off('message', qs.handleMessage)
  qs.receiver?.close()
  qs.receiver = null
  // The new receiver learns every route (socket-routing.js startReceiver).
  attach(qs, socket, true)
  qs._type = type
  qs.logger.info(`Moved QUICSocket from ${from} to ${qs.host}:${qs.port}`)
  // What the old socket was still sending leaves before it closes.
  clock.setTimeout(() => {
    old.off('error', qs.handleError)
    old.close()
  }, 100)
  await Promise.all(moving.map((c) => migrateConnection(/** @type {any} */ (c), timeout)))
}

/**
 * Moves a client connection's path to its socket's (new) local address and waits until the
 * path is validated: rejects with ErrorQUICConnectionMigrate if it fails or takes `timeout` ms.
 * @param {import('./QUICConnection.js')} conn @param {number} timeout
 */
function migrateConnection(conn, timeout) {
  const local = utils.encodeAddress(conn.socket.host, conn.socket.port)
  const peer = utils.encodeAddress(conn.remoteHost, conn.remotePort)
  return new Promise((resolve, reject) => {
    const done = (/** @type {Error | null} */ err) => {
      clock.clearTimeout(timer)
      conn.pathWaiters.delete(onPath)
      if (err == null) resolve(undefined)
      else reject(err)
    }
    /** @param {{ type: string, local: { host: string, port: number } }} pe */
    const onPath = (pe) => {
      if (pe.local.port !== conn.socket.port) return
      if (pe.type === 'validated') done(null)
      else if (pe.type === 'failedValidation') {
        done(
          new errors.ErrorQUICConnectionMigrate(
            `the path from ${conn.socket.host}:${conn.socket.port} failed validation`,
          ),
        )
      }
    }
    const timer = clock.setTimeout(
      () => done(new errors.ErrorQUICConnectionMigrate(`the new path was not validated within ${timeout} ms`)),
      timeout,
    )
    conn.pathWaiters.add(onPath)
    try {
      // A new path, with its validation asked for (PATH_CHALLENGE), made the active one at once:
      // the old socket is gone.
      conn.native.probePath(local, peer)
      conn.native.migrate(local, peer)
    } catch (e) {
      done(
        new errors.ErrorQUICConnectionMigrate(`cannot migrate: ${/** @type {Error} */ (e).message}`, {
          cause: e,
        }),
      )
      return
    }
    conn.driver.flushNow()
  })
}

/**
 * `connection.migrate()`: a client moves by moving its socket, so nothing else may use it.
 * @param {import('./QUICConnection.js')} conn @param {{ host?: string, port?: number, timeout?: number }} [opts]
 */
async function migrateClient(conn, opts) {
  if (conn.type !== 'client') throw new errors.ErrorQUICConnectionMigrate('only a client moves its address')
  if (conn.state !== 'running') throw new errors.ErrorQUICConnectionNotRunning()
  const others = [...conn.socket.connectionMap.values()].filter((c) => c !== conn && !(/** @type {any} */ (c).closed))
  if (others.length > 0 || conn.socket.server != null) {
    throw new errors.ErrorQUICConnectionMigrate(
      'the socket carries other connections: move it, and every connection on it, with socket.rebind()',
    )
  }
  await rebind(conn.socket, opts)
}

module.exports = { bindUdp, attach, rebind, migrateClient }
