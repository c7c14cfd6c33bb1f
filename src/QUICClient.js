// @ts-check
'use strict'
// QUICClient: dials a server from an owned or shared QUICSocket and hands over the connection
// once it is established and verified. Connecting has its own timeout, distinct from (and
// finite like) the idle timeout, and honours an AbortSignal.

const crypto = require('node:crypto')
const os = require('node:os')
const { clock } = require('./clock.js')
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

/** Native configs by their options: building one with the system trust store takes ~10 ms. */
const configCache = new Map()
const CONFIG_CACHE_SIZE = 16

/**
 * A native config for these options, shared by clients that use the same ones (quiche's config
 * is only read when a connection is made; the key log file is meant to be shared).
 * @param {import('./native/binding').ConfigOptions} opts
 */
function cachedNativeConfig(opts) {
  // `this[k]` is the value before toJSON, so bytes (Buffer or not) become compact base64.
  const key = JSON.stringify(opts, function (k, v) {
    const raw = this[k]
    return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') : v
  })
  let c = configCache.get(key)
  if (c === undefined) {
    c = createNativeConfig(opts)
    if (configCache.size >= CONFIG_CACHE_SIZE) configCache.delete(configCache.keys().next().value)
  } else {
    configCache.delete(key)
  }
  configCache.set(key, c)
  return c
}

/** How long connecting may take when the caller sets no timer. */
const DEFAULT_CONNECT_TIMEOUT = 15_000

/** Send errnos that mean the socket can never reach the target (Linux, macOS, Windows). */
const UNSENDABLE = new Set(['EINVAL', 'EADDRNOTAVAIL', 'ENETUNREACH'])
const UNSENDABLE_ERRNO = new Set([...UNSENDABLE].map((name) => os.constants.errno[/** @type {'EINVAL'} */ (name)]))

/**
 * Whether a send error says the target is out of this socket's reach: a Node socket error's
 * `code`, or the native layer's errno (`ERR_QUIC_IO`, the errno in `wireCode`).
 * @param {any} err
 */
const unsendable = (err) =>
  UNSENDABLE.has(err?.code) || (err?.code === 'ERR_QUIC_IO' && UNSENDABLE_ERRNO.has(err.wireCode))

class QUICClient extends QUICEventTarget {
  /**
   * Connects. `ctx.timer` (ms) bounds the handshake (default 15 s); `ctx.signal` aborts it.
   * The returned promise has a `cancel(reason)` method, as in 2.x.
   * @param {import('../index').QUICClientOptions} opts
   * @param {{ signal?: AbortSignal, timer?: number | { delay: number } }} [ctx]
   * @returns {Promise<QUICClient> & { cancel(reason?: unknown): void }}
   */
  static createQUICClient(opts, ctx = {}) {
    const abort = new AbortController()
    const p = /** @type {Promise<QUICClient> & { cancel(reason?: unknown): void }} */ (
      QUICClient.connect(opts, ctx, abort.signal)
    )
    p.cancel = (reason) => abort.abort(reason)
    return p
  }

  /**
   * @param {import('../index').QUICClientOptions} opts
   * @param {{ signal?: AbortSignal, timer?: number | { delay: number } }} ctx
   * @param {AbortSignal} cancelSignal
   */
  static async connect(opts, ctx, cancelSignal) {
    if (opts == null || typeof opts.host !== 'string' || typeof opts.port !== 'number') {
      throw new errors.ErrorQUICClientInvalidArgument('host (string) and port (number) are required')
    }
    const signal = AbortSignal.any([cancelSignal, ...(ctx.signal ? [ctx.signal] : [])])
    signal.throwIfAborted()
    const cfg = config.mergeConfig(config.clientDefault, opts.config)
    const nativeConfig = cachedNativeConfig(config.toNativeOptions(cfg))
    utils.toPort(opts.port)
    const shared = opts.socket != null
    const logger = loggerFor(opts.logger, null, 'QUICClient')
    logger.info('Create QUICClient')
    /** @type {QUICSocket} */
    const socket =
      /** @type {any} */ (opts.socket) ??
      new QUICSocket({ resolveHostname: opts.resolveHostname, logger: loggerFor(null, logger, 'QUICSocket') })
    if (shared && !socket.running) throw new errors.ErrorQUICClientSocketNotRunning()
    const resolve = opts.resolveHostname ?? socket.resolveHostname
    const resolved = await utils.resolveHostIP(opts.host, resolve)
    const ip = utils.resolvesZeroIP(resolved)
    if (!shared) {
      const localHost = opts.localHost ?? (ip.includes(':') ? '::' : '0.0.0.0')
      await socket.start({
        host: localHost,
        port: opts.localPort ?? 0,
        reuseAddr: opts.reuseAddr,
        ipv6Only: opts.ipv6Only,
      })
    }
    let remote
    try {
      remote = utils.toSocketFamily(ip, socket.type, socket.host, errors.ErrorQUICClientInvalidHost)
    } catch (e) {
      if (!shared) await socket.stop({ force: true })
      throw e
    }
    const timerMs =
      ctx.timer == null ? DEFAULT_CONNECT_TIMEOUT : typeof ctx.timer === 'number' ? ctx.timer : ctx.timer.delay
    let conn
    try {
      conn = new QUICConnection({
        type: 'client',
        scid: crypto.randomBytes(QUICSocket.CID_LENGTH),
        serverName: opts.serverName ?? (resolved === opts.host.replace(/^\[(.*)\]$/, '$1') ? null : opts.host),
        remoteInfo: { host: remote, port: opts.port },
        config: cfg,
        nativeConfig,
        socket,
        logger: loggerFor(null, logger, 'QUICConnection'),
        session: opts.session,
        earlyData: opts.earlyData,
        reasonToCode: opts.reasonToCode,
        codeToReason: opts.codeToReason,
      })
    } catch (e) {
      if (!shared) await socket.stop({ force: true })
      throw e
    }
    /** @type {unknown} */
    let timer
    /** @type {() => void} */
    let onAbort = () => {}
    /** @type {(evt: Event) => void} */
    let onSendError = () => {}
    try {
      // Listening before the handshake starts: its first datagram may already fail.
      const failed = new Promise((_, reject) => {
        timer = clock.setTimeout(
          () =>
            reject(
              new errors.ErrorQUICClientCreateTimeout(`no handshake with ${ip}:${opts.port} within ${timerMs} ms`),
            ),
          timerMs,
        )
        onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
        // As 2.x: a target this socket cannot send to at all fails now, not at the timeout.
        onSendError = (/** @type {Event} */ evt) => {
          const err = /** @type {any} */ (evt).detail
          if (!unsendable(err)) return
          const msg = `cannot send to ${ip}:${opts.port} from ${socket.host}: ${err?.message}`
          reject(new errors.ErrorQUICClientInvalidArgument(msg, { cause: err }))
        }
        conn.addEventListener(events.EventQUICConnectionSend.name, onSendError)
      })
      await Promise.race([conn.start(), failed])
    } catch (e) {
      await conn.stop({ isApp: true, errorCode: 0, force: true }).catch(() => {})
      conn.destroy(/** @type {Error} */ (e))
      if (!shared) await socket.stop({ force: true })
      throw e
    } finally {
      clock.clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      conn.removeEventListener(events.EventQUICConnectionSend.name, onSendError)
    }
    logger.info(`Created QUICClient to ${opts.host}:${opts.port}`)
    return new QUICClient({ socket, isSocketShared: shared, connection: conn, logger })
  }

  /**
   * @internal Use `QUICClient.createQUICClient`.
   * @param {{ socket: QUICSocket, isSocketShared: boolean, connection: QUICConnection,
   *           logger?: import('./logger.js').Logger }} opts
   */
  constructor({ socket, isSocketShared, connection, logger }) {
    super()
    this.logger = loggerFor(logger, null, 'QUICClient')
    this.socket = socket
    this.isSocketShared = isSocketShared
    this.connection = connection
    this._closed = false
    this.destroying = false
    const closed = utils.promise()
    this.closedP = closed.p
    this.resolveClosedP = closed.resolveP
    connection.addEventListener(events.EventQUICConnectionError.name, (evt) => {
      this.emit(events.EventQUICClientError, { detail: /** @type {any} */ (evt).detail })
    })
    connection.addEventListener(events.EventQUICConnectionStopped.name, () => {
      void this.destroy()
    })
    // The socket stopping under a live client (a shared socket's owner stopped it) is an error,
    // as in 2.x, reported before the connection's own.
    const onSocketStop = () => {
      if (this._closed || this.destroying) return
      this.emit(events.EventQUICClientError, { detail: new errors.ErrorQUICClientSocketNotRunning() })
    }
    socket.addEventListener(events.EventQUICSocketStop.name, onSocketStop)
    this.closedP.then(() => socket.removeEventListener(events.EventQUICSocketStop.name, onSocketStop))
  }

  get host() {
    return this.connection.remoteHost
  }

  get port() {
    return this.connection.remotePort
  }

  get localHost() {
    return this.socket.host
  }

  get localPort() {
    return this.socket.port
  }

  get closed() {
    return this._closed
  }

  /**
   * Closes the connection (gracefully unless `force`) and the owned socket.
   * @param {{ isApp?: boolean, errorCode?: number, reason?: Uint8Array, force?: boolean }} [opts]
   */
  async destroy({ isApp = true, errorCode = 0, reason, force = false } = {}) {
    if (this._closed || this.destroying) return this.closedP
    this.destroying = true
    this.logger.info('Destroy QUICClient')
    this.emit(events.EventQUICClientDestroy)
    await this.connection.stop({ isApp, errorCode, reason, force })
    // An owned socket has no one else to absorb late packets for: skip the draining period.
    if (!this.isSocketShared) await this.socket.stop({ force: true })
    this._closed = true
    this.emit(events.EventQUICClientClose, { detail: this.connection.error })
    this.logger.info('Destroyed QUICClient')
    this.emit(events.EventQUICClientDestroyed)
    this.resolveClosedP(undefined)
  }
}

// 2.x's `[running]` / `[destroyed]` / `[status]` (src/async-init.js).
registerLifecycle(QUICClient, { destroyed: (c) => c.closed })

module.exports = QUICClient
