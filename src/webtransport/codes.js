// @ts-check
'use strict'
// WebTransport over HTTP/3's numbers (the drafts Chromium and aioquic speak): its capsules, its
// error codes, and how an application's 32-bit stream error code maps into HTTP/3's error
// space and back.

/** Capsule types (RFC 9297 capsules on the session's CONNECT stream). */
const CAPSULE = Object.freeze({
  CLOSE_WEBTRANSPORT_SESSION: 0x2843,
  DRAIN_WEBTRANSPORT_SESSION: 0x78ae,
})

/** HTTP/3 error codes of WebTransport. */
const WT_ERROR = Object.freeze({
  /** A stream of a session that has ended. */
  SESSION_GONE: 0x170d7b68,
  /** A stream for a session that does not exist (any more). */
  BUFFERED_STREAM_REJECTED: 0x3994bd84,
})

/** The first HTTP/3 code of the application range. */
const FIRST = 0x52e4a40fa8db

/** An application's stream error code (0 to 2^32 - 1) as the HTTP/3 code on the wire. @param {number} code */
function toHttp3(code) {
  if (!Number.isInteger(code) || code < 0 || code > 0xffffffff)
    throw new RangeError(`not a WebTransport error code: ${code}`)
  return FIRST + code + Math.floor(code / 0x1e)
}

/** The application code an HTTP/3 code carries, or null outside the range (and its reserved codes). @param {number} h3 */
function fromHttp3(h3) {
  if (h3 < FIRST || h3 > toHttp3(0xffffffff)) return null
  const shifted = h3 - FIRST
  // The codes the mapping skips, one in 0x1f, are reserved (greasing) ones.
  if (shifted % 0x1f === 0x1e) return null
  return shifted - Math.floor(shifted / 0x1f)
}

module.exports = { CAPSULE, WT_ERROR, toHttp3, fromHttp3 }
