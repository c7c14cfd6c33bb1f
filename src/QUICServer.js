// @ts-check
'use strict'
// QUICServer: accepts connections on an owned or shared QUICSocket. Before a connection exists
// it answers unsupported versions with Version Negotiation, optionally sends a stateless Retry
// (HMAC tokens bound to the client's address and port, with an expiry), refuses past its
// connection limit, and closes with INVALID_TOKEN when a token does not check out.

const native = require('./native.js')
const errors = require('./errors.js')
const { loggerFor } = require('./logger.js')
const events = require('./events.js')
const QUICEventTarget = require('./QUICEventTarget.js')
const utils = require('./utils.js')
const config = require('./config.js')
const { createNativeConfig } = require('./native-options.js')
const QUICSocket = require('./QUICSocket.js')
const QUICConnection = require('./QUICConnection.js')
const { registerLifecycle } = require('./async-init.js')

/** RFC 9000 §14.1: a client's first Initial is padded to at least this (quiche's constant). */
const MIN_INITIAL_SIZE = native.MIN_CLIENT_INITIAL_LEN
/** QUIC transport error codes used before a connection is handed out. */
const CONNECTION_REFUSED = 0x2
const INVALID_TOKEN = 0xb

/**
 * The Retry tokens' key: `key` (2.x's `crypto.key`), or a random one when none is given.
 * @param {ArrayBuffer | Uint8Array | null | undefined} key
 * @param {number} lifetime ms
 */
const newTokenKey = (key, lifetime) =>
  new native.TokenKey(
    key == null ? null : Buffer.from(key instanceof ArrayBuffer ? new Uint8Array(key) : key),
    lifetime,
  )

class QUICServer extends QUICEventTarget {
  /**
   * @param {{ config: Partial<import('../index').QUICConfig>, socket?: QUICSocket,
   *           crypto?: { key?: ArrayBuffer | Uint8Array, ops?: unknown },
   *           resolveHostname?: (hostname: string) => string | PromiseLike<string>,
   *           reasonToCode?: import('../index').StreamReasonToCode, codeToReason?: import('../index').StreamCodeToReason,
   *           retry?: boolean | 'auto', retryThreshold?: number, tokenLifetime?: number,
   *           maxConnections?: number, logger?: unknown, minIdleTimeout?: number }} opts
   */
  constructor(opts) {
    super()
    if (opts == null || typeof opts !== 'object')
      throw new errors.ErrorQUICConfig('QUICServer options are required', 'opts')
    this.config = config.mergeConfig(config.serverDefault, opts.config)
    if (this.config.key == null || this.config.cert == null) {
      throw new errors.ErrorQUICConfig(
        'a server needs config.key and config.cert',
        this.config.key == null ? 'key' : 'cert',
      )
    }
    this.nativeConfig = createNativeConfig(config.toNativeOptions(this.config))
    this.logger = loggerFor(opts.logger, null, 'QUICServer')
    this.isSocketShared = opts.socket != null
    this.socket =
      opts.socket ??
      new QUICSocket({ resolveHostname: opts.resolveHostname, logger: loggerFor(null, this.logger, 'QUICSocket') })
    this.reasonToCode = opts.reasonToCode
    this.codeToReason = opts.codeToReason
    /** `true`: every new client proves its address first (+1 RTT); `'auto'`: only past `retryThreshold` handshakes in progress. */
    this.retry = opts.retry ?? 'auto'
    this.retryThreshold = opts.retryThreshold ?? 100
    this.maxConnections = opts.maxConnections ?? Infinity
    this.tokenLifetime = opts.tokenLifetime ?? 10_000
    this.tokenKey = newTokenKey(opts.crypto?.key, this.tokenLifetime)
    /** @type {Set<QUICConnection>} */
    this.connections = new Set()
    this.handshaking = 0
    this._running = false
    this._closed = false
    const closed = utils.promise()
    this.closedP = closed.p
    this.resolveClosedP = closed.resolveP
    this.scratch = Buffer.allocUnsafe(1500)
    /** The socket is stopping under the running server (as 2.x): an error, then the server stops. */
    this.onSocketStop = () => {
      if (!this._running) return
      this.emit(events.EventQUICServerError, { detail: new errors.ErrorQUICServerSocketNotRunning() })
      this.stop({ force: true }).catch(() => {})
    }
  }

  get host() {
    return this.socket.host
  }

  get port() {
    return this.socket.port
  }

  get closed() {
    return this._closed
  }

  /**
   * Starts serving (binding the socket unless it was shared and is running).
   * @param {{ host?: string, port?: number, reuseAddr?: boolean, ipv6Only?: boolean }} [opts]
   */
  async start(opts = {}) {
    if (this._running) return
    if (this._closed) {
      // Started again after a stop, as 2.x allows.
      this._closed = false
      const closed = utils.promise()
      this.closedP = closed.p
      this.resolveClosedP = closed.resolveP
    }
    this.logger.info('Start QUICServer')
    this.emit(events.EventQUICServerStart)
    if (!this.isSocketShared) await this.socket.start(opts)
    else if (!this.socket.running) throw new errors.ErrorQUICServerSocketNotRunning()
    this.socket.setServer(this)
    this.socket.addEventListener(events.EventQUICSocketStop.name, this.onSocketStop)
    this._running = true
    this.logger.info(`Started QUICServer on ${this.socket.host}:${this.socket.port}`)
    this.emit(events.EventQUICServerStarted)
  }

  /**
   * Stops serving: every connection stops (gracefully unless `force`), then the owned socket closes.
   * @param {{ isApp?: boolean, errorCode?: number, reason?: Uint8Array, force?: boolean }} [opts]
   */
  async stop({ isApp = true, errorCode = 0, reason, force = false } = {}) {
    if (!this._running) return
    this._running = false
    this.logger.info('Stop QUICServer')
    this.emit(events.EventQUICServerStop)
    this.socket.removeEventListener(events.EventQUICSocketStop.name, this.onSocketStop)
    this.socket.unsetServer()
    await Promise.all([...this.connections].map((c) => c.stop({ isApp, errorCode, reason, force })))
    if (!this.isSocketShared) await this.socket.stop({ force: true })
    this._closed = true
    this.emit(events.EventQUICServerClose)
    this.logger.info('Stopped QUICServer')
    this.emit(events.EventQUICServerStopped)
    this.resolveClosedP(undefined)
  }

  /**
   * Replaces configuration for connections accepted from now on.
   * @param {Partial<import('../index').QUICConfig>} input
   */
  updateConfig(input) {
    const next = config.mergeConfig(this.config, input)
    this.nativeConfig = createNativeConfig(config.toNativeOptions(next))
    this.config = next
  }

  /**
   * 2.x's: a new secret for the Retry tokens (`key`; `ops` are accepted and unused, tokens are
   * signed natively). Tokens minted with the old key are refused from now on, so clients that
   * held one go through a Retry again.
   * @param {{ key?: ArrayBuffer | Uint8Array, ops?: unknown }} crypto
   */
  updateCrypto(crypto) {
    if (crypto?.key != null) this.tokenKey = newTokenKey(crypto.key, this.tokenLifetime)
  }

  /**
   * @internal A datagram whose DCID matches no connection.
   * @param {Buffer} msg
   * @param {import('node:dgram').RemoteInfo} rinfo
   */
  handleNewDatagram(msg, rinfo) {
    if (!this._running) return
    let hdr
    try {
      hdr = native.parseHeader(msg, QUICSocket.CID_LENGTH)
    } catch {
      return // Not QUIC: dropped.
    }
    // QUIC v1 connection ids are at most 20 bytes; longer ones are another version's or garbage.
    if (hdr.dcid.length > native.MAX_CONN_ID_LEN || hdr.scid.length > native.MAX_CONN_ID_LEN) return
    if (!native.versionIsSupported(hdr.version)) {
      if (hdr.type === 'short' || msg.length < MIN_INITIAL_SIZE) return
      this.sendStateless(native.negotiateVersion(hdr.scid, hdr.dcid, this.scratch), rinfo)
      return
    }
    // Anything but an Initial for an unknown connection is stale or forged.
    if (hdr.type !== 'initial' || msg.length < MIN_INITIAL_SIZE) return
    const peer = utils.encodeAddress(rinfo.address, rinfo.port)
    /** @type {Buffer | null} */
    let odcid = null
    let scid = native.generateConnectionId(QUICSocket.CID_LENGTH)
    let refuse = 0
    if (hdr.token != null && hdr.token.length > 0) {
      odcid = this.tokenKey.validate(hdr.token, peer)
      if (odcid == null) refuse = INVALID_TOKEN
      // After a Retry the client addresses us by the Retry's id: keep using it.
      else scid = hdr.dcid
    } else if (this.retry === true || (this.retry === 'auto' && this.handshaking >= this.retryThreshold)) {
      const token = this.tokenKey.mint(hdr.dcid, peer)
      this.sendStateless(native.retry(hdr.scid, hdr.dcid, scid, token, hdr.version, this.scratch), rinfo)
      return
    }
    if (this.connections.size >= this.maxConnections) refuse = CONNECTION_REFUSED
    let conn
    try {
      conn = new QUICConnection({
        type: 'server',
        scid,
        odcid,
        dcid: hdr.dcid,
        remoteInfo: { host: rinfo.address, port: rinfo.port },
        config: this.config,
        nativeConfig: this.nativeConfig,
        socket: this.socket,
        logger: loggerFor(null, this.logger, 'QUICConnection'),
        reasonToCode: this.reasonToCode,
        codeToReason: this.codeToReason,
      })
    } catch (e) {
      this.emit(events.EventQUICServerError, {
        detail: new errors.ErrorQUICServerNewConnection(undefined, { cause: e }),
      })
      return
    }
    conn.handleDatagram(msg, rinfo)
    if (refuse !== 0) {
      // Answer inside the handshake so the client fails at once instead of timing out.
      conn.native.close(false, refuse, Buffer.from(refuse === INVALID_TOKEN ? 'invalid token' : 'too many connections'))
      conn.service()
      // Nobody holds it: it only drains (absorbing retransmits) until quiche lets it go.
      conn.finish()
      return
    }
    this.connections.add(conn)
    this.handshaking++
    let counted = true
    const settle = () => {
      if (counted) this.handshaking--
      counted = false
    }
    conn.addEventListener(events.EventQUICConnectionStopped.name, () => {
      settle()
      this.connections.delete(conn)
    })
    // Handed out as it starts, not a microtask later: a close that arrives in the same batch
    // (a client rejecting this server's certificate) then reaches the user's listeners as the
    // connection's error, as in 2.x, instead of ending a connection nobody has yet.
    conn.addEventListener(
      events.EventQUICConnectionStarted.name,
      () => {
        settle()
        this.logger.info(`Accepted a connection from ${conn.remoteHost}:${conn.remotePort}`)
        this.emit(events.EventQUICServerConnection, { detail: conn })
      },
      { once: true },
    )
    conn.start().catch(() => settle())
  }

  /**
   * Sends the first `length` bytes of the scratch buffer (a Version Negotiation or Retry packet).
   * @param {number} length
   * @param {import('node:dgram').RemoteInfo} rinfo
   */
  sendStateless(length, rinfo) {
    this.socket.sendPacket(
      Buffer.from(this.scratch.subarray(0, length)),
      rinfo.port,
      rinfo.address,
      this.socket.onRawSent,
    )
  }
}

// 2.x's `[running]` / `[destroyed]` / `[status]` (src/async-init.js).
registerLifecycle(QUICServer, { running: (s) => s._running })

module.exports = QUICServer
