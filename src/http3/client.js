// @ts-check
'use strict'
// Http3Client: `fetch` over HTTP/3. One QUIC connection (ALPN "h3") per origin, reused by every
// request to it until the server's GOAWAY or the connection ends; each request on its own
// stream: HEADERS, the body from `init.body` as DATA frames with backpressure, and the response
// as a Web `Response` whose body streams from the QUIC stream as it is read. An `AbortSignal`
// resets the request's stream (H3_REQUEST_CANCELLED).

const { QUICClient, events } = require('../../index.js')
const { H3Connection, h3ReasonToCode, h3CodeToReason } = require('./H3Connection.js')
const { readMessage, writeRequest } = require('./request.js')
const { ERROR, H3Error } = require('./frames.js')

/**
 * A request simple enough to send without a `Request`: a string or URL input, and a body that
 * is absent, a string or bytes. Its method (upper-cased as fetch does) and headers, or null.
 * @param {string | URL | Request} input @param {RequestInit} [init]
 */
function simpleRequest(input, init) {
  if (typeof input !== 'string' && !(input instanceof URL)) return null
  const body = init?.body
  if (body != null && typeof body !== 'string' && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer))
    return null
  const method = (init?.method ?? 'GET').toUpperCase()
  if (body != null && (method === 'GET' || method === 'HEAD')) return null // fetch's TypeError, from Request
  const headers = new Headers(init?.headers)
  /** @type {Uint8Array | null} */
  let bytes = null
  if (typeof body === 'string') {
    bytes = Buffer.from(body)
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
  } else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body)
  else if (body != null) bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  return { method, headers, bytes }
}

/**
 * A new QUIC connection (ALPN h3, DATAGRAM frames on) to `url`'s origin with HTTP/3 on it: what
 * Http3Client pools and a WebTransport client opens for itself.
 * @param {URL} url
 * @param {{ ca?: string | string[], verifyPeer?: boolean, config?: Record<string, unknown>,
 *           socket?: import('../../index').QUICSocket, connectTimeout?: number }} opts
 * @param {{ maxFieldSectionSize?: number, webTransport: boolean }} h3opts
 */
async function dial(url, opts, h3opts) {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const client = await QUICClient.createQUICClient(
    {
      host,
      port: url.port === '' ? 443 : Number(url.port),
      serverName: host,
      socket: opts.socket,
      config: {
        applicationProtos: ['h3'],
        ca: /** @type {any} */ (opts.ca),
        verifyPeer: opts.verifyPeer ?? true,
        enableDgram: [true, 1000, 1000],
        ...opts.config,
      },
      reasonToCode: h3ReasonToCode,
      codeToReason: h3CodeToReason,
    },
    { timer: opts.connectTimeout ?? 15_000 },
  )
  const h3 = new H3Connection(/** @type {any} */ (client.connection), { isServer: false, datagrams: true, ...h3opts })
  return { client, h3 }
}

/** Statuses whose responses have no body (RFC 9110 §6.4.1). */
const NO_BODY = new Set([204, 205, 304])

class Http3Client {
  /**
   * @param {{ ca?: string | string[], verifyPeer?: boolean, config?: Record<string, unknown>,
   *           socket?: import('../../index').QUICSocket, maxFieldSectionSize?: number, connectTimeout?: number }} [opts]
   */
  constructor(opts = {}) {
    this.opts = opts
    this.maxFieldSectionSize = opts.maxFieldSectionSize ?? 64 * 1024
    /** Origin → its connection (being made or made). @type {Map<string, Promise<{ client: QUICClient, h3: H3Connection }>>} */
    this.pool = new Map()
    this.closed = false
  }

  /**
   * The connection for `url`'s origin: made on first use, and again once the server sent
   * GOAWAY or the connection ended (new requests go to a new one).
   * @param {URL} url
   */
  async connection(url) {
    const origin = url.origin
    const known = this.pool.get(origin)
    if (known !== undefined) {
      const conn = await known.catch(() => null)
      if (conn !== null && conn.h3.goawayReceived === null && !conn.client.connection.closed) return conn
      if (this.pool.get(origin) === known) this.pool.delete(origin)
    }
    let entry = this.pool.get(origin)
    if (entry === undefined) {
      const made = dial(url, this.opts, { maxFieldSectionSize: this.maxFieldSectionSize, webTransport: false })
      entry = made
      this.pool.set(origin, made)
      made.then(
        ({ client, h3 }) => {
          client.connection.addEventListener(
            events.EventQUICConnectionStopped.name,
            () => {
              if (this.pool.get(origin) === made) this.pool.delete(origin)
              void h3.close()
            },
            { once: true },
          )
        },
        () => {
          if (this.pool.get(origin) === made) this.pool.delete(origin)
        },
      )
    }
    return entry
  }

  /**
   * One request on a new stream of the origin's connection: HEADERS and the body go out, and
   * the final response's head comes back (interim 1xx ones skipped). `opened` hears of the
   * stream first (to reset it on an abort). A failure resets the stream, or closes the
   * connection for a connection error, and is thrown.
   * @param {URL} url @param {string} method @param {Headers} headers
   * @param {ReadableStream<Uint8Array> | Uint8Array | null} body
   * @param {(stream: import('../QUICStream.js')) => void} [opened]
   */
  async request(url, method, headers, body, opened = () => {}) {
    const conn = await this.connection(url)
    const stream = /** @type {import('../QUICStream.js')} */ (
      /** @type {unknown} */ (conn.client.connection.newStream('bidi'))
    )
    opened(stream)
    /** @type {Array<[string, string]>} */
    const pseudo = [
      [':method', method],
      [':scheme', 'https'],
      [':authority', url.host],
      [':path', `${url.pathname}${url.search}`],
    ]
    writeRequest(stream, pseudo, headers, body).catch(() => {})
    try {
      let msg = await readMessage(stream, { maxFieldSectionSize: this.maxFieldSectionSize })
      while (Number(msg.pseudo[':status']) >= 100 && Number(msg.pseudo[':status']) < 200) {
        msg = await readMessage(stream, { maxFieldSectionSize: this.maxFieldSectionSize })
      }
      const status = Number(msg.pseudo[':status'])
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new H3Error(ERROR.MESSAGE_ERROR, `a response with :status ${msg.pseudo[':status']}`, { stream: true })
      }
      return { msg, status }
    } catch (e) {
      if (e instanceof H3Error && !e.stream) conn.h3.fail(e)
      else stream.cancel(e instanceof H3Error ? e : new H3Error(ERROR.INTERNAL_ERROR, String(e), { stream: true }))
      throw e
    }
  }

  /**
   * `fetch` over HTTP/3 (https URLs only).
   * @param {string | URL | Request} input
   * @param {RequestInit} [init]
   * @returns {Promise<Response>}
   */
  async fetch(input, init) {
    if (this.closed) throw new TypeError('the HTTP/3 client is closed')
    const simple = simpleRequest(input, init)
    // A Request (and its body stream) costs more than a small request's whole exchange: made
    // only for what needs its rules (a Request input, a streamed or form body).
    const request = simple === null ? new Request(input, init) : null
    const url = new URL(request?.url ?? /** @type {string | URL} */ (input))
    if (url.protocol !== 'https:') throw new TypeError(`HTTP/3 needs an https URL, not ${url.protocol}`)
    const signal = request?.signal ?? init?.signal ?? null
    signal?.throwIfAborted()
    /** @type {import('../QUICStream.js') | null} */
    let stream = null
    const onAbort = () => stream?.cancel(new H3Error(ERROR.REQUEST_CANCELLED, 'aborted', { stream: true }))
    signal?.addEventListener('abort', onAbort, { once: true })
    const method = request?.method ?? /** @type {{ method: string }} */ (simple).method
    try {
      const { msg, status } = await this.request(
        url,
        method,
        request?.headers ?? /** @type {{ headers: Headers }} */ (simple).headers,
        request !== null ? request.body : /** @type {{ bytes: Uint8Array | null }} */ (simple).bytes,
        (s) => {
          stream = s
        },
      )
      const noBody = NO_BODY.has(status) || method === 'HEAD'
      if (noBody) void msg.body.cancel().catch(() => {})
      const response = new Response(noBody ? null : msg.body, { status, headers: msg.headers })
      Object.defineProperty(response, 'url', { value: url.href })
      /** The response's trailers, once its body has been read. */
      Object.defineProperty(response, 'trailers', { value: msg.trailers })
      return response
    } catch (e) {
      signal?.removeEventListener('abort', onAbort)
      if (signal?.aborted) throw signal.reason
      throw new TypeError(`fetch over HTTP/3 failed: ${/** @type {Error} */ (e)?.message ?? e}`, { cause: e })
    }
  }

  /** Closes every connection (H3_NO_ERROR). */
  async close() {
    this.closed = true
    const entries = [...this.pool.values()]
    this.pool.clear()
    await Promise.all(
      entries.map(async (entry) => {
        const conn = await entry.catch(() => null)
        if (conn === null) return
        await conn.h3.close()
        await conn.client.destroy({ force: true }).catch(() => {})
      }),
    )
  }
}

module.exports = { Http3Client, dial }
