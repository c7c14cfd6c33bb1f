// @ts-check
'use strict'
// Http3Server: an HTTP/3 server (ALPN "h3") on a QUICServer, with a fetch-style handler:
// `(request: Request, info) => Response | Promise<Response>`. Each request stream becomes a Web
// `Request` whose body streams from the QUIC stream as it is read (so a slow handler slows the
// client), and the `Response` goes back as HEADERS, DATA frames with backpressure, and trailers
// (`info.trailers(headers)` before the body ends). `stop()` sends GOAWAY and lets requests in
// flight finish before closing.

const { QUICServer, events } = require('../../index.js')
const { H3Connection, h3ReasonToCode, h3CodeToReason } = require('./H3Connection.js')
const { readMessage, writeMessage, writeHead } = require('./request.js')
const { WebTransportSession } = require('../webtransport/session.js')
const { parsePriority } = require('./priority.js')
const { ERROR, H3Error } = require('./frames.js')

/**
 * @typedef {object} RequestInfo
 * @property {Promise<Headers>} trailers the request's trailers, once its body is read
 * @property {(headers: Headers) => void} setTrailers trailers to send after the response body
 * @property {import('../../index').QUICConnection} connection
 * @property {number} streamId
 * @property {{ urgency: number, incremental: boolean }} priority the request's (RFC 9218
 *   `priority` field; u=3 and not incremental without one), applied to the response stream
 */

/** @typedef {(request: Request, info: RequestInfo) => Response | Promise<Response>} Handler */

class Http3Server {
  /**
   * @param {{ handler: Handler, key: string | string[], cert: string | string[], config?: Record<string, unknown>,
   *           socket?: import('../../index').QUICSocket, maxFieldSectionSize?: number,
   *           onWebTransport?: (session: WebTransportSession, request: Request) => void | Promise<void> }} opts
   */
  constructor(opts) {
    this.handler = opts.handler
    /** Takes each WebTransport session (extended CONNECT, :protocol webtransport); without it, 404. */
    this.onWebTransport = opts.onWebTransport
    this.maxFieldSectionSize = opts.maxFieldSectionSize ?? 64 * 1024
    this.quic = new QUICServer({
      config: {
        key: /** @type {any} */ (opts.key),
        cert: /** @type {any} */ (opts.cert),
        applicationProtos: ['h3'],
        verifyPeer: false,
        // HTTP datagrams (and WebTransport's) ride on QUIC DATAGRAM frames.
        enableDgram: [true, 1000, 1000],
        ...opts.config,
      },
      socket: opts.socket,
      reasonToCode: h3ReasonToCode,
      codeToReason: h3CodeToReason,
    })
    /** @type {Set<H3Connection>} */
    this.connections = new Set()
    /** Requests being served. */
    this.inFlight = 0
    /** @type {Array<() => void>} */
    this.idleWaiters = []
    this.quic.addEventListener(events.EventQUICServerConnection.name, (e) => {
      const quic = /** @type {any} */ (e).detail
      const h3 = new H3Connection(quic, {
        isServer: true,
        maxFieldSectionSize: this.maxFieldSectionSize,
        datagrams: /** @type {any} */ (this.quic).config?.enableDgram?.[0] ?? true,
        webTransport: opts.onWebTransport !== undefined,
        onRequest: (stream, _h3, first) => this.serve(h3, stream, first),
      })
      this.connections.add(h3)
      quic.addEventListener(events.EventQUICConnectionStopped.name, () => this.connections.delete(h3), { once: true })
    })
  }

  get port() {
    return this.quic.port
  }

  get host() {
    return this.quic.host
  }

  /** @param {{ host?: string, port?: number }} [opts] */
  async start(opts) {
    await this.quic.start(opts)
  }

  /**
   * Graceful: GOAWAY on every connection, then waits (up to `timeout` ms) for the requests in
   * flight before closing with H3_NO_ERROR. `force` closes at once.
   * @param {{ force?: boolean, timeout?: number }} [opts]
   */
  async stop({ force = false, timeout = 10_000 } = {}) {
    for (const h3 of this.connections) h3.goaway()
    // WebTransport sessions would hold the stop for as long as they live: they end now.
    for (const h3 of this.connections) {
      for (const session of h3.sessions.values()) session.close({ closeCode: 0, reason: 'the server is stopping' })
    }
    if (!force && this.inFlight > 0) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, timeout)
        this.idleWaiters.push(() => {
          clearTimeout(timer)
          resolve(undefined)
        })
      })
    }
    await Promise.all(
      [...this.connections].map(async (h3) => {
        if (!force) await h3.settled(timeout)
        await h3.close(ERROR.NO_ERROR)
      }),
    )
    await this.quic.stop({ isApp: true, errorCode: ERROR.NO_ERROR, force: true })
  }

  /** @param {H3Connection} h3 @param {import('../QUICStream.js')} stream @param {Buffer} first */
  async serve(h3, stream, first) {
    this.inFlight++
    try {
      await this.exchange(h3, stream, first)
    } catch (e) {
      if (e instanceof H3Error && !e.stream) h3.fail(e)
      else stream.cancel(e instanceof H3Error ? e : new H3Error(ERROR.INTERNAL_ERROR, String(e), { stream: true }))
    } finally {
      if (--this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w()
    }
  }

  /**
   * An extended CONNECT for a WebTransport session: `onWebTransport(session, request)` takes it
   * after its 200 (it closes a session to refuse it); without the option, 404. The CONNECT
   * stream then stays open for the session's life.
   * @param {H3Connection} h3 @param {import('../QUICStream.js')} stream
   * @param {Awaited<ReturnType<typeof readMessage>>} msg
   */
  async webTransport(h3, stream, msg) {
    const { pseudo } = msg
    const url = `https://${pseudo[':authority'] ?? 'localhost'}${pseudo[':path'] ?? '/'}`
    if (this.onWebTransport === undefined) {
      await writeMessage(stream, [[':status', '404']], null, null)
      return
    }
    const session = new WebTransportSession(url)
    session.start(h3, stream, msg.body)
    // The 200 goes first: the handler may open streams at once, and the client must know the
    // session before their data. To refuse a session, the handler closes it.
    await writeHead(stream, [[':status', '200']], new Headers({ 'sec-webtransport-http3-draft': 'draft02' }))
    try {
      await this.onWebTransport(session, new Request(url, { method: 'GET', headers: msg.headers }))
    } catch (e) {
      session.close({ closeCode: 0, reason: `internal error: ${/** @type {Error} */ (e)?.message ?? e}` })
    }
    await session.closed
  }

  /** @param {H3Connection} h3 @param {import('../QUICStream.js')} stream @param {Buffer} first */
  async exchange(h3, stream, first) {
    const msg = await readMessage(stream, { maxFieldSectionSize: this.maxFieldSectionSize, first })
    const { pseudo } = msg
    const method = pseudo[':method']
    const authority = pseudo[':authority'] ?? msg.headers.get('host') ?? ''
    if (method === undefined) throw new H3Error(ERROR.MESSAGE_ERROR, 'no :method', { stream: true })
    if (method === 'CONNECT' && pseudo[':protocol'] === 'webtransport') {
      await this.webTransport(h3, stream, msg)
      return
    }
    if (method === 'CONNECT') {
      throw new H3Error(ERROR.MESSAGE_ERROR, 'CONNECT (tunnels) is not served', { stream: true })
    }
    if (pseudo[':scheme'] === undefined || pseudo[':path'] === undefined || pseudo[':path'] === '') {
      throw new H3Error(ERROR.MESSAGE_ERROR, 'no :scheme or :path', { stream: true })
    }
    const url = `${pseudo[':scheme']}://${authority || 'localhost'}${pseudo[':path']}`
    // The response is scheduled by the request's priority (quiche: lower urgency first).
    const priority = parsePriority(msg.headers.get('priority'))
    try {
      h3.quic.native.streamPriority(/** @type {number} */ (stream.streamId), priority.urgency, priority.incremental)
    } catch {
      // The stream is gone already: the exchange fails below.
    }
    const hasBody = method !== 'GET' && method !== 'HEAD'
    /** @type {Headers | null} */
    let trailersOut = null
    const request = new Request(url, {
      method,
      headers: msg.headers,
      body: hasBody ? msg.body : undefined,
      // @ts-expect-error Node's Request wants this for a streamed body; the DOM type lacks it.
      duplex: 'half',
    })
    // No body expected: anything the client still sends is refused (STOP_SENDING).
    if (!hasBody)
      void msg.body.cancel(new H3Error(ERROR.NO_ERROR, 'no body expected', { stream: true })).catch(() => {})
    /** @type {Response} */
    let response
    try {
      response = await this.handler(request, {
        trailers: msg.trailers,
        setTrailers: (h) => {
          trailersOut = h
        },
        connection: /** @type {any} */ (h3.quic),
        streamId: /** @type {number} */ (stream.streamId),
        priority,
      })
    } catch (e) {
      response = new Response(`internal error: ${/** @type {Error} */ (e)?.message ?? e}\n`, { status: 500 })
    }
    if (!(response instanceof Response)) response = new Response('the handler returned no Response\n', { status: 500 })
    /** @type {Array<[string, string]>} */
    const head = [[':status', String(response.status)]]
    const body = method === 'HEAD' ? null : response.body
    await writeMessage(stream, head, response.headers, body, () => trailersOut)
    // A request body the handler left unread: stop the client sending it (RFC 9114 §4.1).
    if (hasBody && !request.bodyUsed) {
      void msg.body.cancel(new H3Error(ERROR.NO_ERROR, 'response complete', { stream: true })).catch(() => {})
    }
  }
}

module.exports = { Http3Server }
