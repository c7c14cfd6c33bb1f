// @ts-check
'use strict'
// QUICConnection: one native connection for its user: what quiche reports (streams opened,
// readable and writable, datagrams, connection ids, the handshake's end) turned into stream
// wake-ups and events, the local stream table, and the lifecycle (start, verify, stop, close).
// When its packets go out and when its timer fires is ConnectionDriver's to decide; what it reports
// about itself (addresses, ids, certificates, meta) is ConnectionInfo's.

const { Buffer } = require('node:buffer')
const path = require('node:path')
const { clock } = require('./clock.js')
const native = require('./native.js')
const bind = require('./socket-bind.js')
const { handOut } = require('./connection-handout.js')
const errors = require('./errors.js')
const { loggerFor } = require('./logger.js')
const events = require('./events.js')
const ConnectionInfo = require('./ConnectionInfo.js')
const QUICConnectionId = require('./QUICConnectionId.js')
const utils = require('./utils.js')
const StreamTable = require('./StreamTable.js')
const ConnectionDriver = require('./ConnectionDriver.js')
const ConnectionPoll = require('./ConnectionPoll.js')
const closeError = require('./close-error.js')
const { registerLifecycle } = require('./async-init.js')
const { channels } = require('./diagnostics.js')

/** The longest a stop waits for its CONNECTION_CLOSE to get past a full congestion window. */
const CLOSE_SEND_WAIT = 1000

const { draining: DRAINING, closed: CLOSED } = ConnectionPoll.layout

/** @typedef {import('./QUICSocket.js')} QUICSocket */
/** @typedef {import('../index').QUICConfig} QUICConfig */

class QUICConnection extends ConnectionInfo {
  /**
   * @internal Made by QUICClient and QUICServer.
   * @param {{ type: 'client' | 'server', scid: Uint8Array, odcid?: Uint8Array | null, dcid?: Uint8Array,
   *           serverName?: string | null, remoteInfo: { host: string, port: number }, config: QUICConfig,
   *           nativeConfig: import('./native/binding').Config, socket: QUICSocket, session?: Uint8Array | null, earlyData?: boolean,
   *           reasonToCode?: import('../index').StreamReasonToCode, codeToReason?: import('../index').StreamCodeToReason,
   *           logger?: import('./logger.js').Logger }} opts
   */
  constructor(opts) {
    super()
    const { keepAliveIntervalTime, maxIdleTimeout } = opts.config
    // As 2.x: a keep-alive no sooner than the idle timeout could never keep the connection alive.
    if (keepAliveIntervalTime != null && maxIdleTimeout !== 0 && keepAliveIntervalTime >= maxIdleTimeout) {
      throw new errors.ErrorQUICConnectionConfigInvalid('`keepAliveIntervalTime` must be less than `maxIdleTimeout`')
    }
    this.type = opts.type
    this.logger = loggerFor(opts.logger, null, 'QUICConnection')
    /** Hand the connection out as soon as 0-RTT data can be sent (a resumed session). */
    this.earlyData = opts.earlyData === true
    this.socket = opts.socket
    this.config = opts.config
    this.reasonToCode = opts.reasonToCode ?? utils.reasonToCode
    this.codeToReason = opts.codeToReason ?? utils.codeToReason
    this._remoteHost = opts.remoteInfo.host
    this._remotePort = opts.remoteInfo.port
    this.peerBytes = utils.encodeAddress(this._remoteHost, this._remotePort)
    const local = utils.encodeAddress(this.socket.host, this.socket.port)
    this.native =
      opts.type === 'client'
        ? native.Connection.connect(
            opts.nativeConfig,
            opts.serverName ?? null,
            opts.scid,
            local,
            this.peerBytes,
            opts.session ?? null,
          )
        : native.Connection.accept(opts.nativeConfig, opts.scid, opts.odcid ?? null, local, this.peerBytes)
    if (this.config.qlogDir) {
      const name = `${Buffer.from(opts.scid).toString('hex')}-${opts.type}.sqlog`
      this.native.setQlog(path.join(this.config.qlogDir, name), '@matrixai/quic', `${opts.type} connection`)
    }
    /** What the fast calls take for `native`. */
    this.handle = this.native.handle()
    /** Every connection id routed here, to unregister them all at the end. @type {Buffer[]} */
    this.cids = [Buffer.from(opts.scid)]
    /** @internal Who waits for path events (a migration). @type {Set<(pe: { type: string, local: { host: string, port: number }, peer: { host: string, port: number } }) => void>} */
    this.pathWaiters = new Set()
    if (opts.dcid != null) this.cids.push(Buffer.from(opts.dcid))
    for (const cid of this.cids) this.socket.registerConnectionId(cid, this)
    /** Its key in the socket's connectionMap (2.x's): its first id. */
    this.mapId = QUICConnectionId.fromBuffer(this.cids[0])
    this.socket.connectionMap.set(this.mapId, this)
    /** The streams JS holds. */
    this.table = new StreamTable(this)
    /** The live streams by id. */
    this.streams = this.table.streams
    this.nextKeepAlive = Infinity
    this.lastRinfoHost = this._remoteHost
    this.lastRinfoPort = this._remotePort
    /** The encoded address the last datagram came from. */
    this.rinfoBytes = this.peerBytes
    this.state = /** @type {'starting' | 'running' | 'stopping' | 'stopped'} */ ('starting')
    this.released = false
    this.verifying = false
    this.sendErrorReported = false
    /** Started in this turn of the event loop: the user is still being handed the connection. */
    this.handingOut = false
    const started = utils.promise()
    this.startedP = started.p
    this.resolveStarted = started.resolveP
    this.rejectStarted = started.rejectP
    this.startedP.catch(() => {})
    const closed = utils.promise()
    this.closedP = closed.p
    this.resolveClosedP = closed.resolveP
    const drained = utils.promise()
    this.drainedP = drained.p
    this.resolveDrained = drained.resolveP
    this.onSent = this.socket.sendCallback((err) => this.handleSendError(err))
    /** When packets go out and the timer fires. */
    this.driver = new ConnectionDriver(this)
    if (this.config.keepAliveIntervalTime != null) this.nextKeepAlive = clock.now() + this.config.keepAliveIntervalTime
    if (channels.connectionCreated.hasSubscribers) channels.connectionCreated.publish({ connection: this })
  }

  /** @internal Sends the first flight (clients) and resolves once established and verified. */
  start() {
    this.emit(events.EventQUICConnectionStart)
    this.driver.service()
    // A resumed client is in early data only once its first flight is built (by the flush
    // above): hand it out now, not when the server's answer comes, by which time 0-RTT is over.
    if (this.state === 'starting' && !this.verifying && this.earlyData && this.native.isInEarlyData()) this.verify()
    return this.startedP
  }

  /** @internal A datagram for this connection. @param {Buffer} msg @param {import('node:dgram').RemoteInfo} rinfo */
  handleDatagram(msg, rinfo) {
    if (rinfo.port !== this.lastRinfoPort || rinfo.address !== this.lastRinfoHost) {
      // Rebinding or migration: quiche validates the new path; encode only on change.
      this.lastRinfoHost = rinfo.address
      this.lastRinfoPort = rinfo.port
      this.rinfoBytes = utils.encodeAddress(rinfo.address, rinfo.port)
    }
    try {
      this.native.recv(msg, this.rinfoBytes)
    } catch {
      // The packet made quiche close the connection; the next poll reports it.
    }
    this.driver.oweService()
  }

  /**
   * @internal The native receive path fed this connection's datagrams to quiche: poll it now;
   * the flush waits for `flushReceived`, so the ACKs leave with the replies. During the
   * handshake the reply (the client's Finished) goes at once: the user may close the connection
   * as soon as it is handed out, and quiche will not send a close before it.
   */
  handleReceived() {
    this.driver.batchStart(this.state === 'running')
  }

  /** @internal After `handleReceived`, once the listeners' microtasks ran: one flush for both. */
  flushReceived() {
    this.driver.batchEnd()
  }

  /**
   * @internal Something went into quiche that may need packets (see `ConnectionDriver.owe`).
   * @param {boolean} [reply] stream data or a datagram was queued
   * @transmits
   */
  markDirty(reply = false) {
    this.driver.owe(reply, ConnectionPoll.isServicing())
  }

  /** @internal Polls and flushes now (a refused connection's close). */
  service() {
    this.driver.service()
  }

  /** @internal When the next keep-alive PING is due (clock.now() ms). */
  keepAliveAt() {
    return this.state === 'running' ? this.nextKeepAlive : Infinity
  }

  /** @internal The keep-alive deadline passed: a PING goes with the next flush. */
  keepAlive() {
    this.nextKeepAlive = clock.now() + /** @type {number} */ (this.config.keepAliveIntervalTime)
    try {
      this.native.sendAckEliciting()
    } catch {
      // Closing: nothing to keep alive.
    }
  }

  /** @internal Everything the native side reports, handled. */
  poll() {
    if (!this.released) ConnectionPoll.poll(this)
  }

  /**
   * After a flush: a graceful stop may be done, a sent or received CONNECTION_CLOSE ends it for
   * the user. `flags` as `flush` returns them (`-1`: ask the native side).
   */
  settle(flags = -1) {
    this.table.checkSettled()
    if (flags < 0) flags = (this.native.isDraining() ? DRAINING : 0) | (this.native.isClosed() ? CLOSED : 0)
    // Draining (after a CONNECTION_CLOSE either way) means it is over for the user at once.
    if (this.state !== 'stopped' && flags !== 0) this.finish()
    if ((flags & CLOSED) !== 0) this.release()
  }

  /** @internal Connection ids issued and retired, path events. @param {import('./native/binding').PollExtras} ex */
  handleExtras(ex) {
    for (const cid of ex.scidsIssued) {
      this.cids.push(cid)
      this.socket.registerConnectionId(cid, this)
    }
    for (const cid of ex.scidsRetired) {
      this.socket.unregisterConnectionId(cid, this)
      this.cids = this.cids.filter((c) => !c.equals(cid))
    }
    for (const pe of ex.pathEvents) {
      if (channels.pathEvent.hasSubscribers) channels.pathEvent.publish({ connection: this, event: pe })
      for (const waiter of this.pathWaiters) waiter(pe)
      if (pe.type === 'peerMigrated') {
        this._remoteHost = pe.peer.host
        this._remotePort = pe.peer.port
        this.emit(events.EventQUICConnectionPeerMigrated, { detail: pe.peer })
      }
    }
  }

  /** @internal The handshake is done: the peer's chain is checked, then the connection runs. */
  verify() {
    return handOut(this)
  }

  /**
   * Client-side connection migration (RFC 9000 §9): moves this connection to a new local
   * address (`host`: the current one unless given; `port`: any free one unless given), on a new
   * connection id, and resolves once the new path is validated. The connection's socket moves
   * with it, so nothing else may use that socket: one shared with other connections moves, with
   * all of them, by `socket.rebind()`. Rejects with ErrorQUICConnectionMigrate for a server's
   * connection, a socket others use, a peer that gave no spare connection id, or a path not
   * validated within `timeout` ms (10 000).
   * @param {{ host?: string, port?: number, timeout?: number }} [opts]
   */
  migrate(opts) {
    return bind.migrateClient(this, opts)
  }

  /**
   * A new local stream, returned at once. Past the peer's MAX_STREAMS limit it waits for credit
   * (its reads and writes wait too) instead of failing; no stream id is ever skipped.
   * @param {'bidi' | 'uni'} [type]
   */
  newStream(type = 'bidi') {
    this.assertOpen()
    return this.table.newStream(type)
  }

  /**
   * A new local stream once it really exists; rejects with ErrorQUICStreamOpenAborted if `signal`
   * aborts or the connection stops first.
   * @param {'bidi' | 'uni'} [type]
   * @param {{ signal?: AbortSignal }} [opts]
   */
  async openStream(type = 'bidi', { signal } = {}) {
    signal?.throwIfAborted()
    this.assertOpen()
    return this.table.openStream(type, signal)
  }

  /** Throws unless the connection can open streams (starting or running). */
  assertOpen() {
    if (this.state !== 'running' && this.state !== 'starting') throw new errors.ErrorQUICConnectionNotRunning()
  }

  /** @internal Both halves of a stream ended. @param {import('./QUICStream.js')} s */
  streamDone(s) {
    this.table.done(s)
  }

  /** @internal The error a stream reports when its native call fails for a connection reason. @param {unknown} e */
  streamFailure(e) {
    if (this.error != null) return this.error
    return new errors.ErrorQUICStreamInternal(/** @type {Error} */ (e)?.message, { cause: e })
  }

  /**
   * Sends a DATAGRAM frame (unreliable). Returns false when the send queue is full.
   * @param {Uint8Array} data
   */
  sendDatagram(data) {
    const ok = this.native.dgramSend(data)
    this.markDirty(ok)
    return ok
  }

  /**
   * Ends the connection. Graceful (default): waits for every stream to finish, then closes.
   * `force`: closes now; pending reads and writes fail.
   * @param {{ isApp?: boolean, errorCode?: number, reason?: Uint8Array, force?: boolean }} [opts]
   */
  async stop({ isApp = true, errorCode = 0, reason = new Uint8Array(0), force = false } = {}) {
    if (this.state === 'stopped') return this.closedP
    // The socket is being stopped under the connection: nothing can be sent any more.
    const gone = this.socket.transportGone
    if (gone != null) {
      this.destroy(gone)
      return this.closedP
    }
    if (this.state !== 'stopping') {
      this.state = 'stopping'
      this.emit(events.EventQUICConnectionStop)
      if (!force) {
        // What has come is read for the user from now on, so streams end once the peer has sent
        // everything, read or not (StreamReceiver.readAhead). Bounded by the idle timeout: a
        // peer that never finishes its streams times out.
        for (const stream of this.table.streams.values()) stream.receiver.readAhead()
        await this.table.settled()
      }
      // The peer may have closed meanwhile (finish() ends the wait): nothing left to close.
      if (/** @type {string} */ (this.state) === 'stopped') return this.closedP
      if (!this.released) {
        this.native.close(isApp, errorCode, reason)
        this.driver.flushNow()
        // A full congestion window can hold the CONNECTION_CLOSE back until ACKs arrive: wait
        // (bounded) until it is on the wire, which service() notices as draining.
        if (!this.native.isDraining() && !this.native.isClosed()) {
          /** @type {unknown} */
          let timer
          const waited = new Promise((resolve) => {
            timer = clock.setTimeout(() => resolve(undefined), CLOSE_SEND_WAIT)
          })
          await Promise.race([this.closedP, waited])
          clock.clearTimeout(timer)
        }
      }
      // The close is on the wire: the connection is done for its user; quiche drains in the background.
      this.finish()
    }
    return this.closedP
  }

  /**
   * The connection is over for its user: settle everything, tell the listeners.
   * @param {Error} [cause] why, when quiche does not know (the socket went away)
   */
  finish(cause) {
    if (this.state === 'stopped') return
    const wasStarting = this.state === 'starting'
    this.state = 'stopped'
    const err = cause ?? closeError(this.native)
    this.error = err
    this.table.failAll(err ?? new errors.ErrorQUICStreamDestroyed('the connection closed'))
    if (wasStarting) this.rejectStarted(err ?? new errors.ErrorQUICConnectionClosed('closed before it was established'))
    const tell = () => {
      if (err != null) {
        this.logger.warn(`QUICConnection failed: ${err.message}`)
        this.emit(events.EventQUICConnectionError, { detail: err })
      }
      this.logger.info('Stopped QUICConnection')
      this.emit(events.EventQUICConnectionClose, { detail: err })
      this.emit(events.EventQUICConnectionStopped)
      if (channels.connectionClosed.hasSubscribers) channels.connectionClosed.publish({ connection: this, error: err })
      this.resolveClosedP(undefined)
    }
    // Ended in the turn it was handed out (a client's verifyCallback rejecting the server, say):
    // the events wait for the turn's end, so listeners added on receiving it still hear them.
    if (this.handingOut) clock.setImmediate(tell)
    else tell()
    if (!this.released && !this.native.isClosed()) {
      // Still draining: keep absorbing the peer's packets until quiche says it is closed.
      this.socket.draining.add(this)
    } else {
      this.release()
    }
  }

  /** Drops every route, timer and pending service. */
  release() {
    if (this.released) return
    this.released = true
    this.driver.close()
    for (const cid of this.cids) this.socket.unregisterConnectionId(cid, this)
    this.socket.releaseConnection(this)
    this.socket.connectionMap.delete(this.mapId)
    this.socket.draining.delete(this)
    if (this.state !== 'stopped') this.finish()
    this.resolveDrained(undefined)
  }

  /** @internal Resolves once quiche has finished draining. */
  drain() {
    return this.drainedP
  }

  /**
   * @internal The socket is going away: a draining connection just stops draining; a live one
   * fails with `cause`, every pending read and write with it.
   * @param {Error} cause
   */
  destroy(cause) {
    this.finish(cause)
    this.release()
  }

  /** @internal @param {Error} err */
  handleSendError(err) {
    // Unreachable peers and the like: the connection retransmits, then times out; say so once.
    if (this.sendErrorReported) return
    this.sendErrorReported = true
    this.emit(events.EventQUICConnectionSend, { detail: err })
  }

  /** Cancels every stream with `reason`. @param {unknown} [reason] */
  destroyStreams(reason) {
    for (const s of this.streams.values()) s.cancel(reason)
  }
}

// 2.x's `[running]` / `[destroyed]` / `[status]` (src/async-init.js).
registerLifecycle(QUICConnection, {
  running: (c) => c.state === 'running' || c.state === 'stopping',
  status: (c) => (c.state === 'starting' || c.state === 'stopping' ? c.state : null),
})

module.exports = QUICConnection
