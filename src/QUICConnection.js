// @ts-check
'use strict'
// QUICConnection: one native connection for its user: what quiche reports (streams opened,
// readable and writable, datagrams, connection ids, the handshake's end) turned into stream
// wake-ups and events, the local stream table, and the lifecycle (start, verify, stop, close).
// When its packets go out and when its timer fires is ConnectionDriver's to decide.

const { Buffer } = require('node:buffer')
const crypto = require('node:crypto')
// Node's `performance` and `Buffer` globals are getters: every use of one is a slow lookup.
const { performance } = require('node:perf_hooks')
const native = require('./native.js')
const { fast } = native
const errors = require('./errors.js')
const events = require('./events.js')
const QUICEventTarget = require('./QUICEventTarget.js')
const utils = require('./utils.js')
const QUICStream = require('./QUICStream.js')
const ConnectionDriver = require('./ConnectionDriver.js')

/** Past this many finished-but-maybe-unacknowledged stream ids, the collected ones are pruned. */
const MAX_LINGERING = 256
/** The longest a stop waits for its CONNECTION_CLOSE to get past a full congestion window. */
const CLOSE_SEND_WAIT = 1000

/** `pollInto`'s header (7 slots) and room for this many stream ids; more come in further calls. */
const POLL_SLOTS = 7 + 1024
const POLL_ESTABLISHED = 1
const POLL_IN_EARLY_DATA = 2
const POLL_DRAINING = 4
const POLL_CLOSED = 8
const POLL_EXTRAS = 16
const POLL_MORE = 32
/** One poll array for every connection: services run one at a time (see `service`). */
const pollOut = new Float64Array(POLL_SLOTS)
let servicing = false

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

/** @typedef {import('./QUICSocket.js')} QUICSocket */
/** @typedef {import('../index').QUICConfig} QUICConfig */

class QUICConnection extends QUICEventTarget {
  /**
   * @internal Made by QUICClient and QUICServer.
   * @param {{ type: 'client' | 'server', scid: Uint8Array, odcid?: Uint8Array | null, dcid?: Uint8Array,
   *           serverName?: string | null, remoteInfo: { host: string, port: number }, config: QUICConfig,
   *           nativeConfig: import('./native/binding').Config, socket: QUICSocket, session?: Uint8Array | null, earlyData?: boolean,
   *           reasonToCode?: import('../index').StreamReasonToCode, codeToReason?: import('../index').StreamCodeToReason }} opts
   */
  constructor(opts) {
    super()
    this.type = opts.type
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
    /** What the fast calls take for `native`. */
    this.handle = this.native.handle()
    /** Every connection id routed here, to unregister them all at the end. @type {Buffer[]} */
    this.cids = [Buffer.from(opts.scid)]
    if (opts.dcid != null) this.cids.push(Buffer.from(opts.dcid))
    for (const cid of this.cids) this.socket.registerConnectionId(cid, this)
    this.connectionId = Buffer.from(opts.scid)
    /** @type {Map<number, QUICStream>} */
    this.streams = new Map()
    /** Local streams waiting for the peer's MAX_STREAMS credit, in order. @type {QUICStream[]} */
    this.pendingBidi = []
    /** @type {QUICStream[]} */
    this.pendingUni = []
    /** Ids of streams finished for JS whose native state may still wait for ACKs (the first `lingeringCount`). */
    this.lingering = new Float64Array(16)
    this.lingeringCount = 0
    this.lingeringSweepAt = MAX_LINGERING
    /** @type {(() => void) | null} */
    this.onSettled = null
    /** Peer streams that arrived before `start` finished; announced right after. @type {QUICStream[]} */
    this.earlyStreams = []
    this.nextKeepAlive = Infinity
    this.lastRinfoHost = this._remoteHost
    this.lastRinfoPort = this._remotePort
    /** The encoded address the last datagram came from. */
    this.rinfoBytes = this.peerBytes
    /** @type {'starting' | 'running' | 'stopping' | 'stopped'} */
    this.state = 'starting'
    this.released = false
    this.verifying = false
    this.sendErrorReported = false
    /** Whether peer streams are announced as they come (after start). */
    this.announced = false
    /** @type {Error | undefined} */
    this.error = undefined
    /** @type {Uint8Array[] | undefined} */
    this.caDER = undefined
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
    if (this.config.keepAliveIntervalTime != null)
      this.nextKeepAlive = performance.now() + this.config.keepAliveIntervalTime
  }

  get remoteHost() {
    return this._remoteHost
  }

  get remotePort() {
    return this._remotePort
  }

  get localHost() {
    return this.socket.host
  }

  get localPort() {
    return this.socket.port
  }

  get closed() {
    return this.state === 'stopped'
  }

  /** The id the peer addresses this side by (the first one). */
  get connectionIdShared() {
    return this.connectionId
  }

  /** The id this side addresses the peer by. */
  get connectionIdPeer() {
    return this.native.destinationId()
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
    this.driver.owe(reply, servicing)
  }

  /** @internal Polls and flushes now (a refused connection's close). */
  service() {
    this.driver.service()
  }

  /** @internal When the next keep-alive PING is due (performance.now() ms). */
  keepAliveAt() {
    return this.state === 'running' ? this.nextKeepAlive : Infinity
  }

  /** @internal The keep-alive deadline passed: a PING goes with the next flush. */
  keepAlive() {
    this.nextKeepAlive = performance.now() + /** @type {number} */ (this.config.keepAliveIntervalTime)
    try {
      this.native.sendAckEliciting()
    } catch {
      // Closing: nothing to keep alive.
    }
  }

  /** @internal Everything the native side reports, handled (one poll array per nesting level). */
  poll() {
    if (this.released) return
    // A listener may poll another connection from inside this one: it gets its own array.
    const out = servicing ? new Float64Array(POLL_SLOTS) : pollOut
    const outer = !servicing
    servicing = true
    try {
      this.handlePoll(out)
    } finally {
      if (outer) servicing = false
    }
  }

  /**
   * After a flush: a graceful stop may be done, a sent or received CONNECTION_CLOSE ends it for
   * the user. `flags` as `flush` returns them (`-1`: ask the native side).
   */
  settle(flags = -1) {
    if (this.onSettled != null) this.checkSettled()
    if (flags < 0) flags = (this.native.isDraining() ? POLL_DRAINING : 0) | (this.native.isClosed() ? POLL_CLOSED : 0)
    // Draining (after a CONNECTION_CLOSE either way) means it is over for the user at once.
    if (this.state !== 'stopped' && flags !== 0) this.finish()
    if ((flags & POLL_CLOSED) !== 0) this.release()
  }

  /**
   * One `pollInto` report (several when more stream ids changed than fit): connection ids, the
   * handshake's end, streams opened, readable and writable, stream credit, datagrams.
   * @param {Float64Array} out
   */
  handlePoll(out) {
    let flags = 0
    do {
      fast.pollInto(this.handle, out)
      flags = out[0]
      if ((flags & POLL_EXTRAS) !== 0) this.handleExtras(this.native.pollExtras())
      if (
        this.state === 'starting' &&
        !this.verifying &&
        ((flags & POLL_ESTABLISHED) !== 0 || (this.earlyData && (flags & POLL_IN_EARLY_DATA) !== 0))
      )
        this.verify()
      let i = 7
      for (const end = i + out[4]; i < end; i++) this.peerStream(out[i])
      for (const end = i + out[5]; i < end; i++) this.streams.get(out[i])?.onReadable()
      for (const end = i + out[6]; i < end; i++) {
        const id = out[i]
        // A stream the peer stopped comes as -id - 1; its code is taken even for a stream JS
        // no longer holds, so none is left behind.
        if (id >= 0) this.streams.get(id)?.onWritable()
        else {
          const code = this.native.takeStopCode(-id - 1)
          this.streams.get(-id - 1)?.onStopped(code ?? 0)
        }
      }
    } while ((flags & POLL_MORE) !== 0)
    if (out[1] > 0 && this.pendingBidi.length > 0) this.openPending(this.pendingBidi, true)
    if (out[2] > 0 && this.pendingUni.length > 0) this.openPending(this.pendingUni, false)
    // Like early streams, early datagrams wait (in quiche's bounded queue) until the user can listen.
    if (out[3] > 0 && this.announced) {
      this.emit(events.EventQUICConnectionDatagram, { detail: this.native.dgramRecvAll() })
    }
  }

  /** @param {import('./native/binding').PollExtras} ex */
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
      if (pe.type === 'peerMigrated') {
        this._remoteHost = pe.peer.host
        this._remotePort = pe.peer.port
        this.emit(events.EventQUICConnectionPeerMigrated, { detail: pe.peer })
      }
    }
  }

  async verify() {
    this.verifying = true
    const cb = this.config.verifyCallback
    // A resumed session was verified when its ticket was issued; in 0-RTT there is no chain yet.
    if (cb != null && !this.native.isInEarlyData()) {
      const certs = this.native.peerCertChain() ?? []
      let code
      try {
        code = await cb(certs, this.caChainDER())
      } catch {
        // A callback that throws rejects the chain: bad_certificate.
        code = 0x100 + 42
      }
      if (code !== undefined && code !== null) {
        this.native.close(false, code, Buffer.from('certificate rejected'))
        this.driver.flushNow()
        this.finish()
        return
      }
    }
    if (this.state !== 'starting') return
    this.state = 'running'
    // The keep-alive counts from now.
    this.driver.arm()
    this.emit(events.EventQUICConnectionStarted)
    this.resolveStarted(undefined)
    // Peer streams that came with 0-RTT or the first flight wait until the user has had the
    // connection (server event, client promise) and a chance to listen for them.
    setImmediate(() => {
      this.announced = true
      const early = this.earlyStreams
      this.earlyStreams = []
      for (const s of early) this.emit(events.EventQUICConnectionStream, { detail: s })
      // Datagrams that came before now.
      this.driver.oweService()
    })
  }

  /** The configured CA certificates, DER (parsed once). */
  caChainDER() {
    if (this.caDER === undefined) this.caDER = parseCertificates(this.config.ca)
    return this.caDER
  }

  /** @param {number} id */
  peerStream(id) {
    const s = new QUICStream({
      connection: this,
      initiated: 'peer',
      type: (id & 2) === 0 ? 'bidi' : 'uni',
      streamId: id,
    })
    this.streams.set(id, s)
    if (this.announced) this.emit(events.EventQUICConnectionStream, { detail: s })
    else this.earlyStreams.push(s)
  }

  /**
   * Opens queued local streams while the peer's credit lasts.
   * @param {QUICStream[]} queue
   * @param {boolean} bidi
   */
  openPending(queue, bidi) {
    while (queue.length > 0) {
      // A stream cancelled while it waited never takes an id.
      if (/** @type {QUICStream} */ (queue[0]).closed) {
        queue.shift()
        continue
      }
      const id = this.native.openStream(bidi)
      if (id == null) return
      const s = /** @type {QUICStream} */ (queue.shift())
      this.streams.set(id, s)
      s.opened(id)
    }
  }

  /**
   * A new local stream, returned at once. Past the peer's MAX_STREAMS limit it waits for credit
   * (its reads and writes wait too) instead of failing; no stream id is ever skipped.
   * @param {'bidi' | 'uni'} [type]
   */
  newStream(type = 'bidi') {
    if (this.state !== 'running' && this.state !== 'starting') throw new errors.ErrorQUICConnectionNotRunning()
    const bidi = type === 'bidi'
    const queue = bidi ? this.pendingBidi : this.pendingUni
    if (queue.length > 0) this.openPending(queue, bidi)
    // Ids go in order: a stream takes one now only if none waits before it.
    const id = queue.length === 0 ? this.native.openStream(bidi) : null
    const s = new QUICStream({ connection: this, initiated: 'local', type, streamId: id ?? undefined })
    if (id == null) queue.push(s)
    else {
      this.streams.set(id, s)
      this.markDirty()
    }
    return s
  }

  /**
   * A new local stream once it really exists; rejects with ErrorQUICStreamOpenAborted if `signal`
   * aborts or the connection stops first.
   * @param {'bidi' | 'uni'} [type]
   * @param {{ signal?: AbortSignal }} [opts]
   */
  async openStream(type = 'bidi', { signal } = {}) {
    signal?.throwIfAborted()
    const s = this.newStream(type)
    if (s.streamId !== undefined) return s
    /** @type {() => void} */
    let onAbort = () => {}
    try {
      await Promise.race([
        s.openedP,
        new Promise((_, reject) => {
          onAbort = () => reject(new errors.ErrorQUICStreamOpenAborted(undefined, { cause: signal?.reason }))
          signal?.addEventListener('abort', onAbort, { once: true })
        }),
      ])
    } catch (e) {
      const err =
        e instanceof errors.ErrorQUICStreamOpenAborted
          ? e
          : new errors.ErrorQUICStreamOpenAborted(undefined, { cause: e })
      const queue = type === 'bidi' ? this.pendingBidi : this.pendingUni
      const i = queue.indexOf(s)
      if (i >= 0) queue.splice(i, 1)
      s.fail(err)
      throw err
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    return s
  }

  /** @internal @param {QUICStream} s */
  streamDone(s) {
    if (s.streamId !== undefined && this.streams.get(s.streamId) === s) {
      this.streams.delete(s.streamId)
      // Finished for JS, but its last bytes may still wait for an ACK: a graceful stop waits too.
      this.linger(s.streamId)
      if (this.lingeringCount > this.lingeringSweepAt) {
        this.sweepLingering()
        // Those still waiting for ACKs are asked again once as many more have finished.
        this.lingeringSweepAt = Math.max(MAX_LINGERING, 2 * this.lingeringCount)
      }
    }
    this.checkSettled()
  }

  /** Notes a stream finished for JS that quiche may still hold. @param {number} id */
  linger(id) {
    if (this.lingeringCount === this.lingering.length) {
      const grown = new Float64Array(2 * this.lingering.length)
      grown.set(this.lingering)
      this.lingering = grown
    }
    this.lingering[this.lingeringCount++] = id
  }

  /** Forgets the lingering streams quiche has let go of (one native call). */
  sweepLingering() {
    if (this.lingeringCount > 0) this.lingeringCount = this.native.sweepCollected(this.lingering, this.lingeringCount)
  }

  /** Resolves a graceful stop once every stream is finished and quiche has let go of them. */
  checkSettled() {
    if (this.onSettled == null || this.streams.size > 0) return
    this.sweepLingering()
    if (this.lingeringCount === 0) this.onSettled()
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
    if (this.state !== 'stopping') {
      this.state = 'stopping'
      this.emit(events.EventQUICConnectionStop)
      if (!force) {
        // Bounded by the idle timeout: a peer that never finishes its streams times out.
        await new Promise((resolve) => {
          this.onSettled = () => {
            this.onSettled = null
            resolve(undefined)
          }
          this.checkSettled()
        })
      }
      // The peer may have closed meanwhile (finish() ends the wait): nothing left to close.
      if (/** @type {string} */ (this.state) === 'stopped') return this.closedP
      if (!this.released) {
        this.native.close(isApp, errorCode, reason)
        this.driver.flushNow()
        // A full congestion window can hold the CONNECTION_CLOSE back until ACKs arrive: wait
        // (bounded) until it is on the wire, which service() notices as draining.
        if (!this.native.isDraining() && !this.native.isClosed()) {
          /** @type {NodeJS.Timeout | undefined} */
          let timer
          await Promise.race([this.closedP, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_SEND_WAIT)))])
          clearTimeout(timer)
        }
      }
      // The close is on the wire: the connection is done for its user; quiche drains in the background.
      this.finish()
    }
    return this.closedP
  }

  /** The connection's error for its user: undefined for a clean close. */
  connectionError() {
    if (this.native.isTimedOut()) {
      return new errors.ErrorQUICConnectionIdleTimeout()
    }
    const local = this.native.localError()
    const peer = this.native.peerError()
    /** @param {import('./native/binding').ConnectionError} e @param {boolean} isLocal */
    const build = (e, isLocal) => {
      const data = { isApp: e.isApp, errorCode: e.errorCode, reason: e.reason }
      const tls = !e.isApp && e.errorCode >= 0x100 && e.errorCode <= 0x1ff
      const Cls = isLocal
        ? tls
          ? errors.ErrorQUICConnectionLocalTLS
          : errors.ErrorQUICConnectionLocal
        : tls
          ? errors.ErrorQUICConnectionPeerTLS
          : errors.ErrorQUICConnectionPeer
      return new Cls(
        `${isLocal ? 'closed' : 'peer closed'} with ${e.isApp ? 'application' : 'transport'} code ${e.errorCode}${e.reason.length ? `: ${e.reason.toString()}` : ''}`,
        { data },
      )
    }
    // Code 0 (NO_ERROR, or the application's 0) is a clean close either way.
    if (peer != null && peer.errorCode !== 0) return build(peer, false)
    if (local != null && local.errorCode !== 0) return build(local, true)
    return undefined
  }

  /**
   * The connection is over for its user: settle everything, tell the listeners.
   * @param {Error} [cause] why, when quiche does not know (the socket went away)
   */
  finish(cause) {
    if (this.state === 'stopped') return
    const wasStarting = this.state === 'starting'
    this.state = 'stopped'
    // A graceful stop waiting for the streams waits no more: the connection is over.
    this.onSettled?.()
    const err = cause ?? this.connectionError()
    this.error = err
    const streamErr = err ?? new errors.ErrorQUICStreamDestroyed('the connection closed')
    for (const s of [...this.streams.values(), ...this.pendingBidi, ...this.pendingUni, ...this.earlyStreams])
      s.fail(streamErr)
    this.pendingBidi = []
    this.pendingUni = []
    this.earlyStreams = []
    if (wasStarting) this.rejectStarted(err ?? new errors.ErrorQUICConnectionClosed('closed before it was established'))
    if (err != null) this.emit(events.EventQUICConnectionError, { detail: err })
    this.emit(events.EventQUICConnectionClose, { detail: err })
    this.emit(events.EventQUICConnectionStopped)
    this.resolveClosedP(undefined)
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

  /** @returns {import('../index').ConnectionMetadata} */
  meta() {
    return {
      localHost: this.localHost,
      localPort: this.localPort,
      remoteHost: this.remoteHost,
      remotePort: this.remotePort,
      localCertsChain: [],
      localCACertsChain: this.caChainDER(),
      remoteCertsChain: this.native.peerCertChain() ?? [],
    }
  }

  getRemoteCertsChain() {
    return this.native.peerCertChain() ?? []
  }

  getLocalCACertsChain() {
    return this.caChainDER()
  }

  getConnectionError() {
    return this.error
  }

  /** Cancels every stream with `reason`. @param {unknown} [reason] */
  destroyStreams(reason) {
    for (const s of this.streams.values()) s.cancel(reason)
  }
}

module.exports = QUICConnection
