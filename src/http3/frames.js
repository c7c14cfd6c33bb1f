// @ts-check
'use strict'
// HTTP/3 framing (RFC 9114 §7): the frame, stream, setting and error codes (with those of
// extended CONNECT, HTTP datagrams and WebTransport over HTTP/3 that this library speaks), frame
// encoders, and an incremental parser that takes a stream's chunks as they come and gives
// whole control frames and DATA payloads piece by piece (a body is never buffered whole).

const varint = require('./varint.js')

const FRAME = Object.freeze({
  DATA: 0x00,
  HEADERS: 0x01,
  CANCEL_PUSH: 0x03,
  SETTINGS: 0x04,
  PUSH_PROMISE: 0x05,
  GOAWAY: 0x07,
  MAX_PUSH_ID: 0x0d,
  /** RFC 9218: PRIORITY_UPDATE for a request stream. */
  PRIORITY_UPDATE_REQUEST: 0xf0700,
  /** WebTransport: a bidirectional stream of a session (its first bytes, not a frame as such). */
  WEBTRANSPORT_STREAM: 0x41,
})

/** Unidirectional stream types (RFC 9114 §6.2, RFC 9204 §4.2, WebTransport over HTTP/3). */
const STREAM = Object.freeze({
  CONTROL: 0x00,
  PUSH: 0x01,
  QPACK_ENCODER: 0x02,
  QPACK_DECODER: 0x03,
  WEBTRANSPORT: 0x54,
})

const SETTING = Object.freeze({
  QPACK_MAX_TABLE_CAPACITY: 0x01,
  MAX_FIELD_SECTION_SIZE: 0x06,
  QPACK_BLOCKED_STREAMS: 0x07,
  /** RFC 9220 */
  ENABLE_CONNECT_PROTOCOL: 0x08,
  /** RFC 9297 */
  H3_DATAGRAM: 0x33,
  /** WebTransport over HTTP/3 (the drafts Chromium speaks). */
  ENABLE_WEBTRANSPORT: 0x2b603742,
  WEBTRANSPORT_MAX_SESSIONS: 0xc671706a,
})

/** HTTP/3 error codes (RFC 9114 §8.1, RFC 9204 §6). */
const ERROR = Object.freeze({
  NO_ERROR: 0x100,
  GENERAL_PROTOCOL_ERROR: 0x101,
  INTERNAL_ERROR: 0x102,
  STREAM_CREATION_ERROR: 0x103,
  CLOSED_CRITICAL_STREAM: 0x104,
  FRAME_UNEXPECTED: 0x105,
  FRAME_ERROR: 0x106,
  EXCESSIVE_LOAD: 0x107,
  ID_ERROR: 0x108,
  SETTINGS_ERROR: 0x109,
  MISSING_SETTINGS: 0x10a,
  REQUEST_REJECTED: 0x10b,
  REQUEST_CANCELLED: 0x10c,
  REQUEST_INCOMPLETE: 0x10d,
  MESSAGE_ERROR: 0x10e,
  CONNECT_ERROR: 0x10f,
  VERSION_FALLBACK: 0x110,
  QPACK_DECOMPRESSION_FAILED: 0x200,
  QPACK_ENCODER_STREAM_ERROR: 0x201,
  QPACK_DECODER_STREAM_ERROR: 0x202,
})

/** An HTTP/3 error with its code: a connection error unless `stream` says otherwise. */
class H3Error extends Error {
  /** @param {number} code @param {string} message @param {{ stream?: boolean }} [opts] */
  constructor(code, message, opts = {}) {
    super(message)
    this.name = 'H3Error'
    this.code = code
    /** Only the stream fails (reset with `code`), not the connection. */
    this.stream = opts.stream ?? false
  }
}

/**
 * A whole frame: type, length, payload.
 * @param {number} type @param {Uint8Array} payload
 */
function frame(type, payload) {
  const head = varint.length(type) + varint.length(payload.length)
  const out = Buffer.allocUnsafe(head + payload.length)
  varint.write(out, varint.write(out, 0, type), payload.length)
  out.set(payload, head)
  return out
}

/** The header of a DATA frame of `length` bytes (the payload follows as it is). @param {number} length */
function dataHeader(length) {
  const out = Buffer.allocUnsafe(1 + varint.length(length))
  out[0] = FRAME.DATA
  varint.write(out, 1, length)
  return out
}

/** A SETTINGS frame. @param {Map<number, number> | Array<[number, number]>} settings */
function settingsFrame(settings) {
  const parts = []
  for (const [id, value] of settings) parts.push(varint.encode(id), varint.encode(value))
  return frame(FRAME.SETTINGS, Buffer.concat(parts))
}

/** Parses a SETTINGS payload; throws H3Error on a repeated or HTTP/2-only setting. @param {Uint8Array} payload */
function parseSettings(payload) {
  /** @type {Map<number, number>} */
  const settings = new Map()
  let i = 0
  while (i < payload.length) {
    const id = varint.read(payload, i)
    const value = id && varint.read(payload, id[1])
    if (id == null || value == null) throw new H3Error(ERROR.FRAME_ERROR, 'truncated SETTINGS')
    if (settings.has(id[0])) throw new H3Error(ERROR.SETTINGS_ERROR, `setting ${id[0]} repeated`)
    // HTTP/2's settings 0x02–0x05 must not appear (RFC 9114 §7.2.4.1).
    if (id[0] >= 0x02 && id[0] <= 0x05) throw new H3Error(ERROR.SETTINGS_ERROR, `HTTP/2 setting ${id[0]}`)
    settings.set(id[0], value[0])
    i = value[1]
  }
  return settings
}

/**
 * Takes a stream's bytes in chunks as they come. `push(chunk)` returns what completed: whole
 * frames other than DATA (up to `maxFrame` bytes of payload) as `{ type, payload }`, and DATA
 * payload as `{ type: 0, data }` pieces as they arrive. Throws H3Error(FRAME_ERROR) on a frame
 * too large.
 */
class FrameParser {
  /** @param {{ maxFrame?: number }} [opts] */
  constructor(opts = {}) {
    this.maxFrame = opts.maxFrame ?? 64 * 1024
    /** @type {Buffer} bytes of a frame header or a buffered frame not complete yet */
    this.pending = Buffer.alloc(0)
    /** DATA payload bytes still to come of the current frame. */
    this.dataLeft = 0
  }

  /** Nothing is half-read: the stream may end here. */
  get atBoundary() {
    return this.pending.length === 0 && this.dataLeft === 0
  }

  /**
   * @param {Uint8Array} chunk
   * @returns {Array<{ type: number, payload?: Buffer, data?: Uint8Array }>}
   */
  push(chunk) {
    /** @type {Array<{ type: number, payload?: Buffer, data?: Uint8Array }>} */
    const out = []
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    let i = 0
    for (;;) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, buf.length - i)
        if (n === 0) break
        out.push({ type: FRAME.DATA, data: buf.subarray(i, i + n) })
        this.dataLeft -= n
        i += n
        continue
      }
      const type = varint.read(buf, i)
      const len = type && varint.read(buf, type[1])
      if (type == null || len == null) break
      if (type[0] === FRAME.DATA) {
        this.dataLeft = len[0]
        i = len[1]
        if (this.dataLeft === 0) out.push({ type: FRAME.DATA, data: buf.subarray(i, i) })
        continue
      }
      if (len[0] > this.maxFrame) throw new H3Error(ERROR.EXCESSIVE_LOAD, `frame of ${len[0]} bytes (type ${type[0]})`)
      if (len[1] + len[0] > buf.length) break
      out.push({ type: type[0], payload: Buffer.from(buf.subarray(len[1], len[1] + len[0])) })
      i = len[1] + len[0]
    }
    this.pending = i < buf.length ? Buffer.from(buf.subarray(i)) : Buffer.alloc(0)
    if (this.dataLeft > 0 && this.pending.length > 0) {
      // Only a frame header can be left over while DATA payload is owed: never payload.
      throw new Error('unreachable: DATA payload left pending')
    }
    return out
  }
}

module.exports = {
  FRAME,
  STREAM,
  SETTING,
  ERROR,
  H3Error,
  frame,
  dataHeader,
  settingsFrame,
  parseSettings,
  FrameParser,
}
