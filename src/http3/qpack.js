// @ts-check
'use strict'
// QPACK field sections (RFC 9204) without a dynamic table: this side advertises a table capacity
// of 0 (SETTINGS_QPACK_MAX_TABLE_CAPACITY), so a peer may only use the static table and
// literals, and this side encodes with them too (static references, literal names and values,
// Huffman-coded where shorter). A section that refers to a dynamic table is a
// QPACK_DECOMPRESSION_FAILED error.

const huffman = require('./huffman.js')
const { STATIC_TABLE, BY_LINE, BY_NAME } = require('./qpack-table.js')

/** An HTTP/3 connection error of QPACK's (RFC 9204 §6). */
class QpackError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message)
    this.name = 'QpackError'
    /** QPACK_DECOMPRESSION_FAILED */
    this.code = 0x200
  }
}

/**
 * Writes a prefixed integer (RFC 7541 §5.1): `prefix` low bits of the first byte, whose high
 * bits are `flags`. Returns the offset after it.
 * @param {number[]} out @param {number} flags @param {number} prefix @param {number} v
 */
function writeInt(out, flags, prefix, v) {
  const max = (1 << prefix) - 1
  if (v < max) {
    out.push(flags | v)
    return
  }
  out.push(flags | max)
  let rest = v - max
  while (rest >= 128) {
    out.push((rest % 128) + 128)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
}

/**
 * Reads a prefixed integer at `at.i`, advancing it.
 * @param {Uint8Array} buf @param {{ i: number }} at @param {number} prefix
 */
function readInt(buf, at, prefix) {
  if (at.i >= buf.length) throw new QpackError('field section truncated')
  const max = (1 << prefix) - 1
  let v = buf[at.i++] & max
  if (v < max) return v
  let scale = 1
  for (;;) {
    if (at.i >= buf.length) throw new QpackError('field section truncated')
    const b = buf[at.i++]
    v += (b & 0x7f) * scale
    if (v > 2 ** 32) throw new QpackError('integer too large')
    if ((b & 0x80) === 0) return v
    scale *= 128
  }
}

/**
 * A string literal (RFC 9204 §4.1.2): the H bit and length in a `prefix`-bit integer whose
 * first byte's other high bits are `flags`; Huffman-coded when that is shorter.
 * @param {number[]} out @param {number} flags @param {number} prefix @param {string} s
 */
function writeString(out, flags, prefix, s) {
  const raw = Buffer.from(s, 'latin1')
  const hlen = huffman.encodedLength(raw)
  if (hlen < raw.length) {
    writeInt(out, flags | (1 << prefix), prefix, hlen)
    const coded = Buffer.allocUnsafe(hlen)
    huffman.encode(raw, coded, 0)
    for (const b of coded) out.push(b)
  } else {
    writeInt(out, flags, prefix, raw.length)
    for (const b of raw) out.push(b)
  }
}

/** @param {Uint8Array} buf @param {{ i: number }} at @param {number} prefix @param {number} max */
function readString(buf, at, prefix, max) {
  if (at.i >= buf.length) throw new QpackError('field section truncated')
  const huff = (buf[at.i] & (1 << prefix)) !== 0
  const len = readInt(buf, at, prefix)
  if (at.i + len > buf.length) throw new QpackError('field section truncated')
  if (len > max) throw new QpackError('field line too long')
  const bytes = buf.subarray(at.i, at.i + len)
  at.i += len
  try {
    return (huff ? huffman.decode(bytes) : Buffer.from(bytes)).toString('latin1')
  } catch (e) {
    throw new QpackError(/** @type {Error} */ (e).message)
  }
}

/**
 * Encodes a field section (RFC 9204 §4.5) from `[name, value]` pairs (names lowercase).
 * @param {Iterable<readonly [string, string]>} fields
 * @returns {Buffer}
 */
function encode(fields) {
  // Required Insert Count 0, Delta Base 0: no dynamic table.
  /** @type {number[]} */
  const out = [0, 0]
  for (const [name, value] of fields) {
    const exact = BY_LINE.get(`${name}\0${value}`)
    if (exact !== undefined) {
      // Indexed field line, static: 1 T=1 index(6+).
      writeInt(out, 0xc0, 6, exact)
      continue
    }
    const named = BY_NAME.get(name)
    if (named !== undefined) {
      // Literal with static name reference: 01 N=0 T=1 index(4+), then the value.
      writeInt(out, 0x50, 4, named)
      writeString(out, 0, 7, value)
    } else {
      // Literal with a literal name: 001 N=0 H name(3+), then the value.
      writeString(out, 0x20, 3, name)
      writeString(out, 0, 7, value)
    }
  }
  return Buffer.from(out)
}

/**
 * Decodes a field section into `[name, value]` pairs; throws QpackError on a dynamic table
 * reference, a bad encoding, or more than `maxSize` bytes of fields (RFC 9114 §4.2.2: each
 * line counts its name, value and 32).
 * @param {Uint8Array} buf @param {number} [maxSize]
 * @returns {Array<[string, string]>}
 */
function decode(buf, maxSize = 64 * 1024) {
  const at = { i: 0 }
  const ric = readInt(buf, at, 8)
  readInt(buf, at, 7) // Delta Base (sign bit and value): meaningless without a dynamic table.
  if (ric !== 0) throw new QpackError('a dynamic table reference, with a table capacity of 0')
  /** @type {Array<[string, string]>} */
  const fields = []
  let size = 0
  while (at.i < buf.length) {
    const b = buf[at.i]
    /** @type {[string, string]} */
    let line
    if ((b & 0x80) !== 0) {
      if ((b & 0x40) === 0) throw new QpackError('a dynamic table reference')
      const index = readInt(buf, at, 6)
      const entry = STATIC_TABLE[index]
      if (entry === undefined) throw new QpackError(`no static table entry ${index}`)
      line = [entry[0], entry[1]]
    } else if ((b & 0x40) !== 0) {
      if ((b & 0x10) === 0) throw new QpackError('a dynamic table reference')
      const index = readInt(buf, at, 4)
      const entry = STATIC_TABLE[index]
      if (entry === undefined) throw new QpackError(`no static table entry ${index}`)
      line = [entry[0], readString(buf, at, 7, maxSize)]
    } else if ((b & 0x20) !== 0) {
      const name = readString(buf, at, 3, maxSize)
      line = [name, readString(buf, at, 7, maxSize)]
    } else {
      throw new QpackError('a post-base (dynamic table) reference')
    }
    size += line[0].length + line[1].length + 32
    if (size > maxSize) throw new QpackError(`field section larger than ${maxSize} bytes`)
    fields.push(line)
  }
  return fields
}

module.exports = { encode, decode, QpackError }
