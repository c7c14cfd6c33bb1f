// @ts-check
'use strict'
// A WebTransport session over HTTP/3, either side, shaped like the browser's `WebTransport`:
// `ready`, `closed` ({ closeCode, reason }), `close()`, incoming and outgoing bidirectional and
// unidirectional streams as Web Streams, and `datagrams` (a readable and a writable). The
// session lives on its extended CONNECT stream: a CLOSE_WEBTRANSPORT_SESSION capsule there, or
// its end, closes it, and every stream of the session is then reset with WT_SESSION_GONE.

const varint = require('../http3/varint.js')
const { FRAME, STREAM, H3Error, dataHeader } = require('../http3/frames.js')
const { CAPSULE, WT_ERROR, toHttp3, fromHttp3 } = require('./codes.js')

/** An error of a WebTransport stream or session, as the browser's `WebTransportError`. */
class WebTransportError extends Error {
  /** @param {string} message @param {{ source?: 'stream' | 'session', streamErrorCode?: number | null }} [init] */
  constructor(message, init = {}) {
    super(message)
    this.name = 'WebTransportError'
    this.source = init.source ?? 'stream'
    this.streamErrorCode = init.streamErrorCode ?? null
  }
}

/** The H3Error a stream is reset or stopped with for `reason` (a WebTransportError's code, else 0). @param {unknown} reason */
function resetReason(reason) {
  const code = reason instanceof WebTransportError && reason.streamErrorCode != null ? reason.streamErrorCode : 0
  return new H3Error(toHttp3(code), 'WebTransport stream error', { stream: true })
}

/** What a peer's reset or stop of a WebTransport stream becomes for its user. @param {unknown} e */
function streamError(e) {
  if (e instanceof H3Error) {
    const code = fromHttp3(e.code)
    if (e.code === WT_ERROR.SESSION_GONE) return new WebTransportError('the session is gone', { source: 'session' })
    return new WebTransportError(`the peer ended the stream${code === null ? '' : ` with code ${code}`}`, {
      streamErrorCode: code,
    })
  }
  return e
}

class WebTransportSession {
  /**
   * A session at `url`, ready once `start` gives it its connection and CONNECT stream (at once
   * on a server; after the server's 2xx on a client, which constructs it first, as a browser's
   * `new WebTransport()` returns before the session exists).
   * @param {string} url
   */
  constructor(url) {
    this.url = url
    /** @type {import('../http3/H3Connection.js').H3Connection | null} */
    this.h3 = null
    /** @type {import('../QUICStream.js') | null} */
    this.connect = null
    /** The session's id (its CONNECT stream's); -1 until it starts. */
    this.sessionId = -1
    /** Streams of the session still open, reset when it closes. @type {Set<import('../QUICStream.js')>} */
    this.streams = new Set()
    this.ended = false
    /** What `close()` asked for before the session started. @type {{ closeCode: number, reason: string } | null} */
    this.closedEarly = null
    /** @type {(v: { closeCode: number, reason: string }) => void} */
    let resolveClosed = () => {}
    /** @type {(e: unknown) => void} */
    let rejectClosed = () => {}
    /** @type {Promise<{ closeCode: number, reason: string }>} */
    this.closed = new Promise((resolve, reject) => {
      resolveClosed = resolve
      rejectClosed = reject
    })
    this.closed.catch(() => {})
    this.resolveClosed = resolveClosed
    this.rejectClosed = rejectClosed
    /** @type {() => void} */
    let resolveReady = () => {}
    /** @type {(e: unknown) => void} */
    let rejectReady = () => {}
    /** @type {Promise<void>} */
    this.ready = new Promise((resolve, reject) => {
      resolveReady = resolve
      rejectReady = reject
    })
    this.ready.catch(() => {})
    this.resolveReady = resolveReady
    this.rejectReady = rejectReady
    /** @type {ReadableStreamDefaultController<any> | null} */
    let bidiController = null
    /** @type {ReadableStreamDefaultController<any> | null} */
    let uniController = null
    /** @type {ReadableStreamDefaultController<Uint8Array> | null} */
    let datagramController = null
    this.incomingBidirectionalStreams = new ReadableStream({
      start: (c) => {
        bidiController = c
      },
    })
    this.incomingUnidirectionalStreams = new ReadableStream({
      start: (c) => {
        uniController = c
      },
    })
    const datagramsReadable = new ReadableStream(
      {
        start: (c) => {
          datagramController = c
        },
      },
      // Datagrams are unreliable: past this many unread, new ones are dropped.
      { highWaterMark: 1024 },
    )
    this.bidi = () => bidiController
    this.uni = () => uniController
    this.datagramSink = () => datagramController
    this.datagrams = {
      readable: datagramsReadable,
      writable: new WritableStream({
        write: async (chunk) => {
          if (this.h3 === null) await this.ready
          if (!this.ended) this.h3?.sendDatagram(this.sessionId, chunk)
        },
      }),
      maxDatagramSize: 1200,
    }
  }

  /**
   * The session has its connection and CONNECT stream (`data`: what comes on it, the DATA
   * frames' payloads, i.e. capsules): it is ready, or, closed meanwhile, closes now.
   * @param {import('../http3/H3Connection.js').H3Connection} h3
   * @param {import('../QUICStream.js')} connect @param {ReadableStream<Uint8Array>} data
   */
  start(h3, connect, data) {
    this.h3 = h3
    this.connect = connect
    this.sessionId = /** @type {number} */ (connect.streamId)
    if (this.closedEarly !== null) {
      this.rejectReady(new WebTransportError('closed before it was ready', { source: 'session' }))
      this.sendClose(this.closedEarly.closeCode, this.closedEarly.reason)
      return
    }
    h3.sessions.set(this.sessionId, this)
    this.resolveReady()
    this.watch(data).catch(() => this.finish(0, ''))
  }

  /** The session could not be made: `ready` and `closed` reject with `err`. @param {unknown} err */
  fail(err) {
    this.ended = true
    this.rejectReady(err)
    this.rejectClosed(err)
  }

  /** Reads the capsules on the CONNECT stream until it ends. @param {ReadableStream<Uint8Array>} data */
  async watch(data) {
    let capsules = Buffer.alloc(0)
    for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (data))) {
      capsules = Buffer.concat([capsules, chunk])
      for (;;) {
        const type = varint.read(capsules, 0)
        const len = type && varint.read(capsules, type[1])
        if (type == null || len == null || len[1] + len[0] > capsules.length) break
        const value = capsules.subarray(len[1], len[1] + len[0])
        capsules = capsules.subarray(len[1] + len[0])
        if (type[0] === CAPSULE.CLOSE_WEBTRANSPORT_SESSION && value.length >= 4) {
          this.finish(value.readUInt32BE(0), value.subarray(4).toString('utf8'))
        }
      }
    }
    this.finish(0, '')
  }

  /**
   * A stream the peer opened for this session, its first bytes already read.
   * @param {import('../QUICStream.js')} stream @param {Buffer} first @param {'bidi' | 'uni'} kind
   */
  acceptStream(stream, first, kind) {
    if (this.ended) {
      stream.cancel(new H3Error(WT_ERROR.SESSION_GONE, 'session gone', { stream: true }))
      return
    }
    this.track(stream)
    const readable = this.readableOf(stream, first)
    if (kind === 'uni') this.uni()?.enqueue(readable)
    else this.bidi()?.enqueue({ readable, writable: this.writableOf(stream) })
  }

  /** A datagram for this session. @param {Buffer} payload */
  acceptDatagram(payload) {
    const sink = this.datagramSink()
    if (sink === null || this.ended) return
    if ((sink.desiredSize ?? 0) > 0) sink.enqueue(payload)
  }

  /** A new bidirectional stream of the session. @returns {Promise<{ readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array> }>} */
  async createBidirectionalStream() {
    const stream = await this.openStream('bidi', FRAME.WEBTRANSPORT_STREAM)
    return { readable: this.readableOf(stream, Buffer.alloc(0)), writable: this.writableOf(stream) }
  }

  /** A new unidirectional stream of the session. @returns {Promise<WritableStream<Uint8Array>>} */
  async createUnidirectionalStream() {
    return this.writableOf(await this.openStream('uni', STREAM.WEBTRANSPORT))
  }

  /**
   * A stream of this session, opened with its signal (`type`) and the session's id.
   * @param {'bidi' | 'uni'} kind @param {number} type
   */
  async openStream(kind, type) {
    if (this.h3 === null) await this.ready
    if (this.ended || this.h3 === null) throw new WebTransportError('the session is closed', { source: 'session' })
    const stream = /** @type {import('../QUICStream.js')} */ (/** @type {unknown} */ (this.h3.quic.newStream(kind)))
    this.track(stream)
    void stream.write(Buffer.concat([varint.encode(type), varint.encode(this.sessionId)])).catch(() => {})
    return stream
  }

  /**
   * Closes the session: a CLOSE_WEBTRANSPORT_SESSION capsule with `closeCode` and `reason`, then
   * the end of the CONNECT stream; the session's streams are reset.
   * @param {{ closeCode?: number, reason?: string }} [info]
   */
  close({ closeCode = 0, reason = '' } = {}) {
    if (this.ended) return
    // Not started yet: it closes as soon as it does.
    if (this.connect === null) this.closedEarly = { closeCode, reason }
    else this.sendClose(closeCode, reason)
    this.finish(closeCode >>> 0, reason)
  }

  /** A CLOSE_WEBTRANSPORT_SESSION capsule on the CONNECT stream, then its end. @param {number} closeCode @param {string} reason */
  sendClose(closeCode, reason) {
    const why = Buffer.from(reason, 'utf8').subarray(0, 1024)
    const value = Buffer.alloc(4 + why.length)
    value.writeUInt32BE(closeCode >>> 0, 0)
    why.copy(value, 4)
    const capsule = Buffer.concat([
      varint.encode(CAPSULE.CLOSE_WEBTRANSPORT_SESSION),
      varint.encode(value.length),
      value,
    ])
    void this.connect?.end(Buffer.concat([dataHeader(capsule.length), capsule])).catch(() => {})
  }

  /** The session is over: streams reset, readables closed, `closed` resolved. @param {number} closeCode @param {string} reason */
  finish(closeCode, reason) {
    if (this.ended) return
    this.ended = true
    this.h3?.sessions.delete(this.sessionId)
    const gone = new H3Error(WT_ERROR.SESSION_GONE, 'session gone', { stream: true })
    for (const s of this.streams) s.cancel(gone)
    this.streams.clear()
    for (const c of [this.bidi(), this.uni(), this.datagramSink()]) {
      try {
        c?.close()
      } catch {
        // Already closed or errored by its reader.
      }
    }
    this.resolveClosed({ closeCode, reason })
  }

  /** @param {import('../QUICStream.js')} stream */
  track(stream) {
    this.streams.add(stream)
    stream.closedP.then(() => this.streams.delete(stream))
  }

  /**
   * The read side as a Web ReadableStream: `first`, then the stream's bytes as pulled.
   * @param {import('../QUICStream.js')} stream @param {Buffer} first
   * @returns {ReadableStream<Uint8Array>}
   */
  readableOf(stream, first) {
    let pending = first.length > 0 ? first : null
    return new ReadableStream({
      async pull(controller) {
        if (pending !== null) {
          controller.enqueue(pending)
          pending = null
          return
        }
        try {
          const chunk = await stream.read()
          if (chunk === null) controller.close()
          else controller.enqueue(chunk)
        } catch (e) {
          controller.error(streamError(e))
        }
      },
      cancel(reason) {
        // STOP_SENDING (a read may be pending: the receiver itself, not a second reader).
        return stream.receiver.cancel(resetReason(reason)).catch(() => {})
      },
    })
  }

  /** The write side as a Web WritableStream (its writes wait for the stream: backpressure). @param {import('../QUICStream.js')} stream */
  writableOf(stream) {
    return new WritableStream({
      write: (chunk) => stream.write(chunk).catch((e) => Promise.reject(streamError(e))),
      close: () => stream.end().catch((e) => Promise.reject(streamError(e))),
      abort: (reason) => stream.sender.abort(resetReason(reason)).catch(() => {}),
    })
  }
}

module.exports = { WebTransportSession, WebTransportError }
