// @ts-check
'use strict'
// QUIC variable-length integers (RFC 9000 §16), as HTTP/3 frames and stream headers carry them:
// 1, 2, 4 or 8 bytes, the first byte's two high bits giving the length. Written up to 2^53 - 1
// (JS numbers); read up to 2^62 - 1, those above 2^53 only approximately: such values are
// reserved (GREASE) frame, setting and capsule types, which are skipped, never compared.

const MAX = Number.MAX_SAFE_INTEGER

/** Bytes needed for `v`. @param {number} v */
function length(v) {
  if (v < 0x40) return 1
  if (v < 0x4000) return 2
  if (v < 0x40000000) return 4
  if (v <= MAX) return 8
  throw new RangeError(`varint out of range: ${v}`)
}

/**
 * Writes `v` at `offset`; returns the offset after it.
 * @param {Uint8Array} out @param {number} offset @param {number} v
 */
function write(out, offset, v) {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`not a varint: ${v}`)
  const n = length(v)
  if (n === 1) out[offset] = v
  else if (n === 2) {
    out[offset] = 0x40 | (v >> 8)
    out[offset + 1] = v & 0xff
  } else if (n === 4) {
    out[offset] = 0x80 | (v >>> 24)
    out[offset + 1] = (v >>> 16) & 0xff
    out[offset + 2] = (v >>> 8) & 0xff
    out[offset + 3] = v & 0xff
  } else {
    const hi = Math.floor(v / 2 ** 32)
    const lo = v >>> 0
    out[offset] = 0xc0 | (hi >>> 24)
    out[offset + 1] = (hi >>> 16) & 0xff
    out[offset + 2] = (hi >>> 8) & 0xff
    out[offset + 3] = hi & 0xff
    out[offset + 4] = lo >>> 24
    out[offset + 5] = (lo >>> 16) & 0xff
    out[offset + 6] = (lo >>> 8) & 0xff
    out[offset + 7] = lo & 0xff
  }
  return offset + n
}

/** `v` alone, as bytes. @param {number} v */
function encode(v) {
  const out = Buffer.allocUnsafe(length(v))
  write(out, 0, v)
  return out
}

/**
 * Reads the varint at `offset`: `[value, offset after it]`, or null if `buf` ends first.
 * @param {Uint8Array} buf @param {number} offset
 * @returns {[number, number] | null}
 */
function read(buf, offset) {
  if (offset >= buf.length) return null
  const first = buf[offset]
  const n = 1 << (first >> 6)
  if (offset + n > buf.length) return null
  let v = first & 0x3f
  for (let i = 1; i < n; i++) v = v * 256 + buf[offset + i]
  return [v, offset + n]
}

module.exports = { length, write, encode, read }
