// @ts-check
'use strict'
// One HTTP/3 connection (RFC 9114) over a QUICConnection, either side: the control stream with
// this side's SETTINGS, the two QPACK streams (silent: no dynamic table), the peer's control
// stream read for its SETTINGS and GOAWAY, its other unidirectional streams drained or refused,
// and its request streams (server) handed to `onRequest`. Errors of the connection close it with
// their HTTP/3 code; errors of a stream reset that stream only.

const {
  FRAME,
  STREAM,
  SETTING,
  ERROR,
  H3Error,
  frame,
  settingsFrame,
  parseSettings,
  FrameParser,
} = require('./frames.js')
const varint = require('./varint.js')
const { WT_ERROR } = require('../webtransport/codes.js')
const { events } = require('../../index.js')
/** @typedef {import('../QUICConnection.js')} QUICConnection */

/**
 * This side's settings: no dynamic table, extended CONNECT on offer, and HTTP datagrams when the
 * QUIC connection has DATAGRAM frames (RFC 9297 §2.1.1: the setting needs the transport
 * parameter).
 * @param {number} maxFieldSectionSize @param {boolean} datagrams @param {boolean} webTransport
 * @returns {Array<[number, number]>}
 */
const localSettings = (maxFieldSectionSize, datagrams, webTransport) => [
  [SETTING.QPACK_MAX_TABLE_CAPACITY, 0],
  [SETTING.QPACK_BLOCKED_STREAMS, 0],
  [SETTING.MAX_FIELD_SECTION_SIZE, maxFieldSectionSize],
  [SETTING.ENABLE_CONNECT_PROTOCOL, 1],
  ...(datagrams ? /** @type {Array<[number, number]>} */ ([[SETTING.H3_DATAGRAM, 1]]) : []),
  // WebTransport: the draft-02 setting (aioquic, older Chromium) and the later drafts' one.
  ...(datagrams && webTransport
    ? /** @type {Array<[number, number]>} */ ([
        [SETTING.ENABLE_WEBTRANSPORT, 1],
        [SETTING.WEBTRANSPORT_MAX_SESSIONS, 16],
      ])
    : []),
]

/**
 * The code a stream is reset or stopped with for `reason` (an H3Error's own code; anything
 * else H3_INTERNAL_ERROR, or H3_REQUEST_CANCELLED for a plain cancel): the `reasonToCode` of the
 * QUIC connections HTTP/3 runs on.
 * @param {'read' | 'write'} _type @param {unknown} reason
 */
function h3ReasonToCode(_type, reason) {
  if (reason instanceof H3Error) return reason.code
  if (reason === undefined) return ERROR.REQUEST_CANCELLED
  return ERROR.INTERNAL_ERROR
}

/** What a stream reset by the peer fails with: an H3Error with the peer's code. @param {'read' | 'write'} type @param {number} code */
function h3CodeToReason(type, code) {
  return new H3Error(
    code,
    `the peer ${type === 'read' ? 'reset' : 'stopped'} the stream with code 0x${code.toString(16)}`,
    {
      stream: true,
    },
  )
}

class H3Connection {
  /**
   * @param {QUICConnection} quic
   * @param {{ isServer: boolean, onRequest?: (stream: import('../QUICStream.js'), h3: H3Connection, first: Buffer) => void, maxFieldSectionSize?: number, datagrams?: boolean, webTransport?: boolean }} opts
   */
  constructor(quic, opts) {
    this.quic = quic
    this.isServer = opts.isServer
    this.onRequest = opts.onRequest
    this.maxFieldSectionSize = opts.maxFieldSectionSize ?? 64 * 1024
    /** The peer's SETTINGS, once its control stream brought them. @type {Map<number, number> | null} */
    this.peerSettings = null
    /** @type {Promise<Map<number, number>>} */
    this.settingsP = new Promise((resolve, reject) => {
      this.resolveSettings = resolve
      this.rejectSettings = reject
    })
    this.settingsP.catch(() => {})
    /** The peer's GOAWAY id (stream id for a server's, push id for a client's), or null. @type {number | null} */
    this.goawayReceived = null
    /** The GOAWAY id this side sent, or null. @type {number | null} */
    this.goawaySent = null
    /** The highest request stream id the peer opened (server); -4 before the first (id 0). */
    this.lastRequestId = -4
    this.closed = false
    /** Request streams the peer opened, until quiche has let go of them (responses acknowledged). @type {number[]} */
    this.requestIds = []
    this.requestSweepAt = 1024
    /** WebTransport sessions by their CONNECT stream's id. @type {Map<number, import('../webtransport/session.js').WebTransportSession>} */
    this.sessions = new Map()
    this.control = quic.newStream('uni')
    this.control
      .write(
        Buffer.concat([
          varint.encode(STREAM.CONTROL),
          settingsFrame(localSettings(this.maxFieldSectionSize, opts.datagrams ?? false, opts.webTransport ?? false)),
        ]),
      )
      .catch(() => {})
    for (const type of [STREAM.QPACK_ENCODER, STREAM.QPACK_DECODER]) {
      quic
        .newStream('uni')
        .write(varint.encode(type))
        .catch(() => {})
    }
    this.onStream = (/** @type {any} */ e) => this.handleStream(e.detail)
    quic.addEventListener(events.EventQUICConnectionStream.name, this.onStream)
    this.onDatagram = (/** @type {any} */ e) => {
      for (const d of /** @type {Buffer[]} */ (e.detail)) this.handleDatagram(d)
    }
    if (opts.datagrams) quic.addEventListener(events.EventQUICConnectionDatagram.name, this.onDatagram)
  }

  /** A stream the peer opened. @param {import('../QUICStream.js')} stream */
  handleStream(stream) {
    if (stream.type === 'uni') {
      this.readUni(stream).catch((e) => this.fail(e))
      return
    }
    if (!this.isServer) {
      // A server never opens bidirectional streams in HTTP/3 (RFC 9114 §6.1), only WebTransport's.
      this.readBidi(stream).catch((e) => this.fail(e))
      return
    }
    const id = /** @type {number} */ (stream.streamId)
    if (this.goawaySent !== null && id >= this.goawaySent) {
      stream.cancel(new H3Error(ERROR.REQUEST_REJECTED, 'after GOAWAY', { stream: true }))
      return
    }
    this.lastRequestId = Math.max(this.lastRequestId, id)
    this.readBidi(stream).catch((e) => this.fail(e))
  }

  /**
   * Reads `stream` (after the bytes `buf` already read from it) until a varint is whole at
   * `offset`: the bytes so far and the varint, or null if the stream ended first.
   * @param {import('../QUICStream.js')} stream @param {Buffer} buf @param {number} offset
   * @returns {Promise<{ buf: Buffer, value: number, end: number } | null>}
   */
  async readVarint(stream, buf, offset) {
    for (let head = varint.read(buf, offset); ; head = varint.read(buf, offset)) {
      if (head !== null) return { buf, value: head[0], end: head[1] }
      const chunk = await stream.read()
      if (chunk === null) return null
      buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk])
    }
  }

  /**
   * A peer's bidirectional stream: a request (it opens with a frame), or a WebTransport stream
   * (it opens with 0x41 and its session's id).
   * @param {import('../QUICStream.js')} stream
   */
  async readBidi(stream) {
    const lead = await this.readVarint(stream, Buffer.alloc(0), 0)
    if (lead === null) return
    if (lead.value === FRAME.WEBTRANSPORT_STREAM) {
      await this.webTransportStream(stream, lead.buf, lead.end, 'bidi')
      return
    }
    if (!this.isServer) throw new H3Error(ERROR.STREAM_CREATION_ERROR, 'the server opened a bidirectional stream')
    this.requestIds.push(/** @type {number} */ (stream.streamId))
    // A long-lived connection serves requests without end: forget those quiche let go of.
    if (this.requestIds.length >= this.requestSweepAt) {
      this.sweepRequests()
      this.requestSweepAt = Math.max(1024, 2 * this.requestIds.length)
    }
    // The request reader parses whole frames: it gets the bytes from the frame's start.
    this.onRequest?.(stream, this, lead.buf)
  }

  /** Forgets the request streams quiche has let go of (one native call); returns how many are left. */
  sweepRequests() {
    const ids = Float64Array.from(this.requestIds)
    this.requestIds = Array.from(ids.subarray(0, this.quic.native.sweepCollected(ids, ids.length)))
    return this.requestIds.length
  }

  /**
   * A WebTransport stream: its session id follows the type (at `offset` of `buf`); the stream
   * goes to its session.
   * @param {import('../QUICStream.js')} stream @param {Buffer} buf @param {number} offset @param {'bidi' | 'uni'} kind
   */
  async webTransportStream(stream, buf, offset, kind) {
    const head = await this.readVarint(stream, buf, offset)
    if (head === null) return
    const session = this.sessions.get(head.value)
    if (session === undefined) {
      // No such session (the draft: buffer or refuse; refused here).
      stream.cancel(
        new H3Error(WT_ERROR.BUFFERED_STREAM_REJECTED, `no WebTransport session ${head.value}`, { stream: true }),
      )
      return
    }
    session.acceptStream(stream, head.buf.subarray(head.end), kind)
  }

  /** Reads a peer's unidirectional stream by its type. @param {import('../QUICStream.js')} stream */
  async readUni(stream) {
    const lead = await this.readVarint(stream, Buffer.alloc(0), 0)
    if (lead === null) return
    const type = lead.value
    if (type === STREAM.CONTROL) return this.readControl(stream, lead.buf.subarray(lead.end))
    if (type === STREAM.WEBTRANSPORT) return this.webTransportStream(stream, lead.buf, lead.end, 'uni')
    if (type === STREAM.QPACK_ENCODER || type === STREAM.QPACK_DECODER) {
      // With a table capacity of 0 there is nothing to hear on them; they stay open.
      while ((await stream.read()) !== null) {}
      this.fail(new H3Error(ERROR.CLOSED_CRITICAL_STREAM, 'the peer closed a QPACK stream'))
      return
    }
    // Push streams (this side never allows any) and unknown types are refused (RFC 9114 §6.2).
    stream.cancel(new H3Error(ERROR.STREAM_CREATION_ERROR, `unidirectional stream type ${type}`, { stream: true }))
  }

  /** The peer's control stream: SETTINGS first, then GOAWAY and frames to ignore. @param {import('../QUICStream.js')} stream @param {Buffer} first */
  async readControl(stream, first) {
    if (this.peerControl != null) throw new H3Error(ERROR.STREAM_CREATION_ERROR, 'a second control stream')
    this.peerControl = stream
    const parser = new FrameParser({ maxFrame: 16 * 1024 })
    let frames = parser.push(first)
    for (;;) {
      for (const f of frames) this.controlFrame(f)
      const chunk = await stream.read()
      if (chunk === null) throw new H3Error(ERROR.CLOSED_CRITICAL_STREAM, 'the peer closed its control stream')
      frames = parser.push(chunk)
    }
  }

  /** @param {{ type: number, payload?: Buffer }} f */
  controlFrame(f) {
    if (this.peerSettings === null && f.type !== FRAME.SETTINGS) {
      throw new H3Error(ERROR.MISSING_SETTINGS, `frame ${f.type} before SETTINGS`)
    }
    switch (f.type) {
      case FRAME.SETTINGS:
        if (this.peerSettings !== null) throw new H3Error(ERROR.FRAME_UNEXPECTED, 'a second SETTINGS')
        this.peerSettings = parseSettings(/** @type {Buffer} */ (f.payload))
        this.resolveSettings?.(this.peerSettings)
        return
      case FRAME.GOAWAY: {
        const id = varint.read(/** @type {Buffer} */ (f.payload), 0)
        if (id === null) throw new H3Error(ERROR.FRAME_ERROR, 'truncated GOAWAY')
        if (this.goawayReceived !== null && id[0] > this.goawayReceived) {
          throw new H3Error(ERROR.ID_ERROR, 'GOAWAY with a larger id')
        }
        this.goawayReceived = id[0]
        return
      }
      case FRAME.DATA:
      case FRAME.HEADERS:
      case FRAME.PUSH_PROMISE:
        throw new H3Error(ERROR.FRAME_UNEXPECTED, `frame ${f.type} on the control stream`)
      default:
        // MAX_PUSH_ID, CANCEL_PUSH, PRIORITY_UPDATE and unknown or reserved types: nothing to do.
        return
    }
  }

  /**
   * An HTTP datagram (RFC 9297): its quarter stream id names the request stream (here, the
   * WebTransport session) it belongs to; one for no such session is dropped.
   * @param {Buffer} d
   */
  handleDatagram(d) {
    const head = varint.read(d, 0)
    if (head === null) return
    this.sessions.get(head[0] * 4)?.acceptDatagram(d.subarray(head[1]))
  }

  /** Sends an HTTP datagram for the request stream `streamId`. @param {number} streamId @param {Uint8Array} payload */
  sendDatagram(streamId, payload) {
    const q = varint.encode(streamId / 4)
    const d = Buffer.allocUnsafe(q.length + payload.length)
    d.set(q, 0)
    d.set(payload, q.length)
    return this.quic.sendDatagram(d)
  }

  /**
   * Starts a graceful shutdown: GOAWAY with the first request id this side will not serve (a
   * server: the next one after the last it saw); requests already taken carry on.
   */
  goaway() {
    if (this.closed) return
    const id = this.isServer ? this.lastRequestId + 4 : 0
    if (this.goawaySent !== null && id >= this.goawaySent) return
    this.goawaySent = id
    this.control.write(frame(FRAME.GOAWAY, varint.encode(id))).catch(() => {})
  }

  /**
   * Resolves once quiche has let go of every request stream (what was sent on them is
   * acknowledged), or after `timeout` ms: a graceful close must not cut responses short.
   * @param {number} timeout
   */
  async settled(timeout) {
    const until = Date.now() + timeout
    while (!this.quic.closed && Date.now() < until && this.sweepRequests() > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  /** Ends the connection with an HTTP/3 error (H3_NO_ERROR by default). @param {number} [code] @param {string} [reason] */
  async close(code = ERROR.NO_ERROR, reason = '') {
    if (this.closed) return
    this.closed = true
    this.quic.removeEventListener(events.EventQUICConnectionStream.name, this.onStream)
    this.quic.removeEventListener(events.EventQUICConnectionDatagram.name, this.onDatagram)
    this.rejectSettings?.(new H3Error(code, 'the connection closed'))
    await this.quic.stop({ isApp: true, errorCode: code, reason: Buffer.from(reason), force: true }).catch(() => {})
  }

  /** A connection error: close with its code. @param {unknown} e */
  fail(e) {
    if (this.closed) return
    const code = e instanceof H3Error ? e.code : ERROR.INTERNAL_ERROR
    // A stream that ends because the connection did is not a new error.
    if (this.quic.closed) return
    void this.close(code, /** @type {Error} */ (e)?.message ?? '')
  }
}

module.exports = { H3Connection, h3ReasonToCode, h3CodeToReason }
