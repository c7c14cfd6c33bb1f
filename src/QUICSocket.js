// @ts-check
'use strict'
// QUICSocket: one UDP socket shared by at most one server and any number of clients: binding,
// sending, stopping, and the connection map that routes each datagram by its destination
// connection id (socket-routing.js); what matches nothing goes to the server, if there is one,
// else is dropped. Socket errors never throw: they go to the connection concerned or become
// EventQUICSocketError.

/** @import * as dgram from 'node:dgram' */
const { clock } = require('./clock.js')
const errors = require('./errors.js')
const { ConnectionErrorCode } = require('./native-codes.js')
const { loggerFor } = require('./logger.js')
const events = require('./events.js')
const QUICEventTarget = require('./QUICEventTarget.js')
const utils = require('./utils.js')
const native = require('./native.js')
const { registerLifecycle, lifecycleSymbolsReady } = require('./async-init.js')
const routing = require('./socket-routing.js')
const QUICConnectionMap = require('./QUICConnectionMap.js')
const holePunch = require('./hole-punch.js')
const bind = require('./socket-bind.js')

const { CID_LENGTH } = routing
/** Default UDP buffer sizes: the 208 KiB kernel default loses packets under bulk load. */
const DEFAULT_BUFFER_SIZE = 4 * 1024 * 1024

/** Datagrams per native receive batch (the Receiver's `tokens` needs one entry each), as Rust defines it. */
const RECV_BATCH = native.RECEIVE_BATCH

/**
 * @typedef {object} SocketConnection what the socket routes datagrams to
 * @property {(msg: Buffer, rinfo: dgram.RemoteInfo) => void} handleDatagram a datagram from `dgram`
 * @property {() => void} handleReceived datagrams were fed to `native` by the native receive path
 * @property {() => void} flushReceived the listeners have run: send what is ready
 * @property {import('./native/binding').Connection} native
 * @property {(err: Error) => void} handleSendError
 * @property {(cause: Error) => void} destroy
 */

class QUICSocket extends QUICEventTarget {
  /**
   * @param {{ resolveHostname?: (hostname: string) => string | PromiseLike<string>,
   *           socket?: dgram.Socket, recvBufferSize?: number, sendBufferSize?: number, batchedSend?: boolean,
   *           batchedRecv?: boolean, logger?: unknown }} [opts]
   */
  constructor(opts = {}) {
    super()
    this.resolveHostname = opts.resolveHostname ?? utils.resolveHostname
    this.logger = loggerFor(opts.logger, null, 'QUICSocket')
    /** @type {dgram.Socket | undefined} a socket handed in by the caller, already bound or not */
    this.givenSocket = opts.socket
    this.recvBufferSize = opts.recvBufferSize ?? DEFAULT_BUFFER_SIZE
    /** Send bursts with one native `sendmmsg` on the socket's fd where the platform allows. */
    this.batchedSend = opts.batchedSend ?? true
    /** The socket's fd for batched sends; -1: every packet goes through `dgram.send`. */
    this.fd = -1
    /**
     * Read datagrams natively in batches, routed in Rust (Linux, sockets this QUICSocket
     * creates: a given socket keeps its `message` events for its owner).
     */
    this.batchedRecv = opts.batchedRecv ?? true
    /** @type {import('./native/binding').Receiver | null} */
    this.receiver = null
    /** Where the receiver writes the tokens of the connections a batch reached. */
    this.recvTokens = new Uint32Array(RECV_BATCH)
    /** Receiver token → connection. @type {Map<number, SocketConnection>} */
    this.byToken = new Map()
    /** Connection → its receiver token. @type {WeakMap<SocketConnection, number>} */
    this.tokenOf = new WeakMap()
    this.lastToken = 0
    this.sendBufferSize = opts.sendBufferSize ?? DEFAULT_BUFFER_SIZE
    /** @type {dgram.Socket | null} */
    this.socket = null
    /** Every connection id (latin1 string of its bytes) → its connection. @type {Map<string, SocketConnection>} */
    this.routes = new Map()
    /** The connections it carries, by their first id (2.x's map). */
    this.connectionMap = new QUICConnectionMap()
    /** @type {import('./QUICServer.js') | null} */
    this.server = null
    this._host = ''
    this._port = 0
    /** @type {'ipv4' | 'ipv6' | 'ipv4&ipv6'} */
    this._type = 'ipv4'
    this._running = false
    /** Set while a forced stop takes the transport away: the error connections end with. @type {Error | null} */
    this.transportGone = null
    this._closed = false
    const closed = utils.promise()
    this.closedP = closed.p
    this.resolveClosedP = closed.resolveP
    /** @type {Set<{ drain(): Promise<void>, destroy(cause: Error): void }>} connections still draining after close */
    this.draining = new Set()
    /** Datagrams handed to dgram whose send has not completed: stop waits for them. */
    this.pendingSends = 0
    /** @type {Array<() => void>} */
    this.flushWaiters = []
    this.onRawSent = this.sendCallback(() => {})
    this.handleMessage = this.handleMessage.bind(this)
    this.handleBatch = this.handleBatch.bind(this)
    /** Hole punches waiting to hear from an address (hole-punch.js). @type {Map<string, Array<() => void>>} */
    this.punches = new Map()
    /** A stop under way (its own close event is not a request to close). */
    this.stopping = false
    // 2.x's evented close: an EventQUICSocketClose dispatched on a running socket (by its user,
    // say) closes it at once and stops it, forcibly.
    this.addEventListener(events.EventQUICSocketClose.name, () => {
      if (!this._running || this.stopping) return
      this._closed = true
      this.resolveClosedP(undefined)
      this.stop({ force: true }).catch((e) => this.logger.error(`QUICSocket failed to stop: ${e.message}`))
    })
    this.handleError = this.handleError.bind(this)
  }

  get host() {
    return this._host
  }

  get port() {
    return this._port
  }

  get type() {
    return this._type
  }

  get closed() {
    return this._closed
  }

  get running() {
    return this._running
  }

  /**
   * Binds the socket. `host` may be a name (resolved), `::` (dual-stack unless `ipv6Only`), or an IP.
   * @param {{ host?: string, port?: number, reuseAddr?: boolean, ipv6Only?: boolean }} [opts]
   */
  async start({ host = '::', port = 0, reuseAddr = false, ipv6Only = false } = {}) {
    await lifecycleSymbolsReady()
    if (this._running) return
    this.transportGone = null
    if (this._closed) {
      // Started again after a stop, as 2.x allows: a new socket, a new closed promise.
      this._closed = false
      const closed = utils.promise()
      this.closedP = closed.p
      this.resolveClosedP = closed.resolveP
    }
    this.logger.info('Start QUICSocket')
    this.emit(events.EventQUICSocketStart)
    let socket = this.givenSocket
    if (socket == null) {
      utils.toPort(port)
      const ip = await utils.resolveHostIP(host, this.resolveHostname)
      const bound = await bind.bindUdp(this, { ip, port, reuseAddr, ipv6Only })
      socket = bound.socket
      this._type = bound.type
    } else {
      socket.on('error', this.handleError)
      const addr = socket.address()
      this._type = addr.family === 'IPv4' ? 'ipv4' : 'ipv6'
    }
    bind.attach(this, socket, this.givenSocket == null)
    this._running = true
    this.logger.info(`Started QUICSocket on ${this._host}:${this._port}`)
    this.emit(events.EventQUICSocketStarted)
  }

  /**
   * Closes the socket. With live connections it throws ErrorQUICSocketConnectionsActive unless
   * `force`, which drops them (their owners see them fail).
   * @param {{ force?: boolean }} [opts]
   */
  async stop({ force = false } = {}) {
    if (!this._running) return
    if (!force && (this.connectionMap.size > 0 || this.server != null)) {
      // Connections that only drain do not hold the socket.
      const live = new Set(this.connectionMap.values())
      for (const d of this.draining) live.delete(/** @type {any} */ (d))
      if (live.size > 0 || this.server != null) {
        throw new errors.ErrorQUICSocketConnectionsActive(`${live.size} connections still use this socket`)
      }
    }
    this.logger.info('Stop QUICSocket')
    this.stopping = true
    if (force) {
      // As in 2.x: the transport is gone under the connections. They end locally with this
      // error and send nothing (their peers time out), also when the server or client stops
      // them on hearing of the stop, which they do first.
      const reason = Buffer.from('the socket was stopped under the connection')
      const gone = new errors.ErrorQUICConnectionLocal(reason.toString(), {
        data: { isApp: false, errorCode: ConnectionErrorCode.InternalError, reason },
      })
      const doomed = new Set([...this.connectionMap.values(), ...this.draining])
      this.transportGone = gone
      this.emit(events.EventQUICSocketStop)
      for (const c of doomed) {
        // 2.x's tests put stand-ins in connectionMap: only connections are ended.
        if (typeof (/** @type {any} */ (c).destroy) === 'function') /** @type {any} */ (c).destroy(gone)
      }
    } else {
      this.emit(events.EventQUICSocketStop)
      await Promise.all([...this.draining].map((d) => d.drain()))
    }
    this._running = false
    const socket = /** @type {dgram.Socket} */ (this.socket)
    socket.off('message', this.handleMessage)
    this.receiver?.close()
    this.receiver = null
    this.byToken.clear()
    // Let the last packets (CONNECTION_CLOSE frames) leave before the socket goes.
    if (this.pendingSends > 0) {
      await new Promise((resolve) => {
        const timer = clock.setTimeout(() => resolve(undefined), 1000)
        this.flushWaiters.push(() => {
          clock.clearTimeout(timer)
          resolve(undefined)
        })
      })
    }
    this.connectionMap.clear()
    this.routes.clear()
    if (this.givenSocket == null) await new Promise((resolve) => socket.close(() => resolve(undefined)))
    socket.off('error', this.handleError)
    this.socket = null
    this.fd = -1
    this.stopping = false
    // Closed already if a close event asked for this stop.
    if (!this._closed) {
      this._closed = true
      this.emit(events.EventQUICSocketClose)
    }
    this.logger.info('Stopped QUICSocket')
    this.emit(events.EventQUICSocketStopped)
    this.resolveClosedP(undefined)
  }

  /**
   * Sends a raw UDP datagram (hole punching), as 2.x: `send(msg, port, host)` or
   * `send(msg, offset, length, port, host)`, `host` an IP or a name (a wildcard means this host).
   * Resolves with the bytes sent; Node's own errors (a bad port: RangeError) come as they are.
   * @param {[Uint8Array | string, number, string] | [Uint8Array, number, number, number, string]} params
   * @returns {Promise<number>}
   */
  async send(...params) {
    if (!this._running || this.socket == null) throw new errors.ErrorQUICSocketNotRunning()
    const args = /** @type {any[]} */ ([...params])
    const at = args.length === 3 ? 2 : args.length === 5 ? 4 : -1
    const host = args[at]
    if (typeof host !== 'string') {
      throw new TypeError('QUICSocket.send takes (msg, port, host) or (msg, offset, length, port, host)')
    }
    const resolved = utils.resolvesZeroIP(await utils.resolveHostIP(host, this.resolveHostname))
    args[at] = utils.toSocketFamily(resolved, this._type, this._host, errors.ErrorQUICSocketInvalidSendAddress)
    const send = /** @type {(...a: any[]) => void} */ (this.socket.send.bind(this.socket))
    return new Promise((resolve, reject) => {
      send(...args, (/** @type {Error | null} */ err, /** @type {number} */ bytes) =>
        err != null ? reject(err) : resolve(bytes),
      )
    })
  }

  /**
   * Hole punching: sends a small non-QUIC datagram to `host:port` every `intervalTime` ms (50) until a
   * datagram from that address arrives, then resolves (both NATs now map the pair: connect either
   * way); `ErrorQUICSocketPunchTimeout` after `timeout` ms (5 000); `signal` aborts.
   * @param {string} host
   * @param {number} port
   * @param {{ intervalTime?: number, timeout?: number, signal?: AbortSignal }} [opts]
   */
  punch(host, port, opts) {
    return holePunch.punch(this, host, port, opts)
  }

  /**
   * The completion callback for one sender's packets, made once per sender: it keeps the count
   * of sends in flight and hands failures to `onError`.
   * @internal
   * @param {(err: Error) => void} onError
   * @returns {(err: Error | null) => void}
   */
  sendCallback(onError) {
    return (err) => {
      if (--this.pendingSends === 0 && this.flushWaiters.length > 0) {
        for (const w of this.flushWaiters.splice(0)) w()
      }
      if (err != null) onError(err)
    }
  }

  /**
   * Moves the socket to a new local address (`host`: the current one unless given; `port`: any
   * free one unless given) and every client connection on it with it: connection migration
   * (RFC 9000 §9), e.g. after a network change. Each connection switches to a fresh connection
   * id on the new path; resolves once every path is validated, rejects with
   * ErrorQUICConnectionMigrate if one is not within `timeout` ms (10 000). Not for a socket
   * that serves a QUICServer.
   * @param {{ host?: string, port?: number, timeout?: number }} [opts]
   */
  rebind(opts) {
    return bind.rebind(this, opts)
  }

  /**
   * Sends one packet. Errors go to `onSent` (from `sendCallback`), never thrown.
   * @internal
   * @param {Uint8Array} packet
   * @param {number} port
   * @param {string} ip
   * @param {(err: Error | null) => void} onSent
   */
  sendPacket(packet, port, ip, onSent) {
    const socket = this.socket
    this.pendingSends++
    if (socket == null) {
      onSent(new errors.ErrorQUICSocketNotRunning())
      return
    }
    try {
      socket.send(packet, port, ip, onSent)
    } catch (e) {
      // Synchronous failures (bad address, socket closing) are errors of the sender too.
      onSent(/** @type {Error} */ (e))
    }
  }

  /**
   * Hands reading over to a native Receiver where the platform has one (socket-routing.js).
   * @param {dgram.Socket} socket
   */
  startReceiver(socket) {
    routing.startReceiver(this, socket)
  }

  /** @internal @param {Uint8Array} cid @param {SocketConnection} conn */
  registerConnectionId(cid, conn) {
    this.routes.set(Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString('latin1'), conn)
    if (this.receiver == null) return
    let token = this.tokenOf.get(conn)
    if (token === undefined) {
      do token = this.lastToken = this.lastToken >= 0xfffffffe ? 1 : this.lastToken + 1
      while (this.byToken.has(token))
      this.tokenOf.set(conn, token)
      this.byToken.set(token, conn)
    }
    this.receiver.register(cid, conn.native, token)
  }

  /** @internal @param {Uint8Array} cid @param {SocketConnection} conn */
  unregisterConnectionId(cid, conn) {
    const key = Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString('latin1')
    if (this.routes.get(key) === conn) this.routes.delete(key)
    const token = this.tokenOf.get(conn)
    if (token !== undefined) this.receiver?.unregister(cid, token)
  }

  /** @internal The connection has unregistered all its ids for good. @param {SocketConnection} conn */
  releaseConnection(conn) {
    const token = this.tokenOf.get(conn)
    if (token === undefined) return
    this.tokenOf.delete(conn)
    if (this.byToken.get(token) === conn) this.byToken.delete(token)
  }

  /** @internal @param {import('./QUICServer.js')} server */
  setServer(server) {
    if (this.server != null && this.server !== server)
      throw new errors.ErrorQUICSocket('this socket already serves a QUICServer')
    this.server = server
  }

  /** @internal */
  unsetServer() {
    this.server = null
  }

  /**
   * One batch from the native receiver (socket-routing.js).
   * @param {number} touched @param {Array<Buffer | string | number> | undefined} unmatched
   * @param {number} errno @param {boolean} after
   */
  handleBatch(touched, unmatched, errno, after) {
    routing.handleBatch(this, touched, unmatched, errno, after)
  }

  /**
   * @param {Buffer} msg
   * @param {dgram.RemoteInfo} rinfo
   */
  handleMessage(msg, rinfo) {
    try {
      this.route(msg, rinfo)
    } catch (e) {
      // A bug, not the network: reported, never thrown into dgram's emitter.
      this.emit(events.EventQUICSocketError, {
        detail: new errors.ErrorQUICSocketInternal(`routing a datagram failed: ${/** @type {Error} */ (e).message}`, {
          cause: e,
        }),
      })
    }
  }

  /** A datagram to its connection, or to the server (socket-routing.js). @param {Buffer} msg @param {dgram.RemoteInfo} rinfo */
  route(msg, rinfo) {
    routing.route(this, msg, rinfo)
  }

  /** @param {Error} err */
  handleError(err) {
    // dgram reports some send failures here too (ICMP errors on Linux): never fatal.
    this.emit(events.EventQUICSocketError, { detail: new errors.ErrorQUICSocketInternal(err.message, { cause: err }) })
  }
}

QUICSocket.CID_LENGTH = CID_LENGTH

// 2.x's `[running]` / `[destroyed]` / `[status]` (src/async-init.js).
registerLifecycle(QUICSocket, { running: (s) => s.running })

module.exports = QUICSocket
