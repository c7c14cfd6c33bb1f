// @ts-check
'use strict'
// WebTransport: the client, with the browser's `WebTransport` interface (constructed at once,
// `ready` when the server accepted the session). It opens its own QUIC connection (ALPN h3,
// DATAGRAM frames on), waits for the server's SETTINGS to offer extended CONNECT and
// WebTransport, sends the extended CONNECT (:protocol webtransport), and on a 2xx answer runs a
// WebTransportSession on that stream. `close()` before `ready` abandons the attempt.

const { dial } = require('../http3/client.js')
const { readMessage, writeHead } = require('../http3/request.js')
const { SETTING } = require('../http3/frames.js')
const { WebTransportSession, WebTransportError } = require('./session.js')

class WebTransport {
  /**
   * @param {string | URL} url an https URL
   * @param {{ ca?: string | string[], verifyPeer?: boolean, config?: Record<string, unknown>, connectTimeout?: number,
   *           headers?: Record<string, string> }} [opts]
   */
  constructor(url, opts = {}) {
    this.url = new URL(url).href
    /** @type {WebTransportSession | null} */
    this.session = null
    /** @type {import('../../index').QUICClient | null} */
    this.client = null
    this.abandoned = false
    /** @type {Promise<WebTransportSession>} */
    const opened = this.open(new URL(url), opts)
    opened.catch(() => {})
    this.opened = opened
    /** @type {Promise<void>} */
    this.ready = opened.then(() => undefined)
    this.ready.catch(() => {})
    /** @type {Promise<{ closeCode: number, reason: string }>} */
    this.closed = opened.then(
      (s) => s.closed,
      (e) => Promise.reject(e),
    )
    this.closed.catch(() => {})
    this.closed.finally(() => void this.client?.destroy({ force: true }).catch(() => {})).catch(() => {})
    const from = (/** @type {(s: WebTransportSession) => ReadableStream<any>} */ pick) => {
      /** @type {ReadableStreamDefaultReader<any> | null} */
      let reader = null
      return new ReadableStream({
        async pull(controller) {
          reader ??= pick(await opened).getReader()
          const { done, value } = await reader.read()
          if (done) controller.close()
          else controller.enqueue(value)
        },
        cancel: (reason) => reader?.cancel(reason),
      })
    }
    this.incomingBidirectionalStreams = from((s) => s.incomingBidirectionalStreams)
    this.incomingUnidirectionalStreams = from((s) => s.incomingUnidirectionalStreams)
    /** @type {WritableStreamDefaultWriter<Uint8Array> | null} */
    let datagramWriter = null
    this.datagrams = {
      readable: from((s) => s.datagrams.readable),
      writable: new WritableStream({
        async write(chunk) {
          datagramWriter ??= (await opened).datagrams.writable.getWriter()
          await datagramWriter.write(chunk)
        },
      }),
      maxDatagramSize: 1200,
    }
  }

  /** @param {URL} url @param {NonNullable<ConstructorParameters<typeof WebTransport>[1]>} opts */
  async open(url, opts) {
    if (url.protocol !== 'https:') throw new TypeError(`WebTransport needs an https URL, not ${url.protocol}`)
    const { client, h3 } = await dial(url, opts, { webTransport: true })
    this.client = client
    if (this.abandoned) throw new WebTransportError('closed before it was ready', { source: 'session' })
    const settings = await h3.settingsP
    const offers =
      settings.get(SETTING.ENABLE_CONNECT_PROTOCOL) === 1 &&
      settings.get(SETTING.H3_DATAGRAM) === 1 &&
      (settings.get(SETTING.ENABLE_WEBTRANSPORT) === 1 || (settings.get(SETTING.WEBTRANSPORT_MAX_SESSIONS) ?? 0) > 0)
    if (!offers)
      throw new WebTransportError('the server does not offer WebTransport in its SETTINGS', { source: 'session' })
    const stream = /** @type {import('../QUICStream.js')} */ (
      /** @type {unknown} */ (client.connection.newStream('bidi'))
    )
    const headers = new Headers({ 'sec-webtransport-http3-draft02': '1', origin: url.origin, ...opts.headers })
    await writeHead(
      stream,
      [
        [':method', 'CONNECT'],
        [':protocol', 'webtransport'],
        [':scheme', 'https'],
        [':authority', url.host],
        [':path', `${url.pathname}${url.search}`],
      ],
      headers,
    )
    const msg = await readMessage(stream, { maxFieldSectionSize: 64 * 1024 })
    const status = Number(msg.pseudo[':status'])
    if (!(status >= 200 && status < 300)) {
      throw new WebTransportError(`the server refused the session: status ${msg.pseudo[':status']}`, {
        source: 'session',
      })
    }
    const session = new WebTransportSession(h3, stream, msg.body, url.href)
    this.session = session
    if (this.abandoned) session.close({ closeCode: 0, reason: '' })
    return session
  }

  /** @returns {Promise<import('./session.js').WebTransportSession['createBidirectionalStream'] extends () => infer R ? Awaited<R> : never>} */
  async createBidirectionalStream() {
    return (await this.opened).createBidirectionalStream()
  }

  /** @returns {Promise<WritableStream<Uint8Array>>} */
  async createUnidirectionalStream() {
    return (await this.opened).createUnidirectionalStream()
  }

  /** @param {{ closeCode?: number, reason?: string }} [info] */
  close(info) {
    this.abandoned = true
    this.session?.close(info)
  }
}

module.exports = { WebTransport }
