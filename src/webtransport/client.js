// @ts-check
'use strict'
// WebTransport: the client, with the browser's `WebTransport` interface: a WebTransportSession,
// constructed at once, that starts itself. It opens its own QUIC connection (ALPN h3, DATAGRAM
// frames on), waits for the server's SETTINGS to offer extended CONNECT and WebTransport, sends
// the extended CONNECT (:protocol webtransport), and on a 2xx answer the session starts on that
// stream (`ready`). `close()` before `ready` abandons the attempt.

const { dial } = require('../http3/client.js')
const { readMessage, writeHead } = require('../http3/request.js')
const { SETTING } = require('../http3/frames.js')
const { WebTransportSession, WebTransportError } = require('./session.js')

class WebTransport extends WebTransportSession {
  /**
   * @param {string | URL} url an https URL
   * @param {{ ca?: string | string[], verifyPeer?: boolean, config?: Record<string, unknown>, connectTimeout?: number,
   *           headers?: Record<string, string> }} [opts]
   */
  constructor(url, opts = {}) {
    super(new URL(url).href)
    /** @type {import('../../index').QUICClient | null} */
    this.client = null
    this.open(new URL(url), opts).then(
      ({ h3, stream, data }) => this.start(h3, stream, data),
      (e) => this.fail(e),
    )
    // The connection is this session's alone: it goes with it.
    this.closed.finally(() => void this.client?.destroy({ force: true }).catch(() => {})).catch(() => {})
  }

  /**
   * The connection, the server's SETTINGS checked, the extended CONNECT and its 2xx.
   * @param {URL} url @param {NonNullable<ConstructorParameters<typeof WebTransport>[1]>} opts
   */
  async open(url, opts) {
    if (url.protocol !== 'https:') throw new TypeError(`WebTransport needs an https URL, not ${url.protocol}`)
    const { client, h3 } = await dial(url, opts, { webTransport: true })
    this.client = client
    if (this.ended) throw new WebTransportError('closed before it was ready', { source: 'session' })
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
    return { h3, stream, data: msg.body }
  }
}

module.exports = { WebTransport }
