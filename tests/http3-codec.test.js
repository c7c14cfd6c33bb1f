// @ts-check
'use strict'
// HTTP/3's codecs (src/http3/): QUIC varints (RFC 9000 §16 and A.1), the HPACK/QPACK Huffman
// code (RFC 7541 Appendix C.4), QPACK field sections without a dynamic table (RFC 9204), and
// the frame parser fed any way a stream may cut its bytes.
const test = require('node:test')
const assert = require('node:assert/strict')
const varint = require('../src/http3/varint.js')
const huffman = require('../src/http3/huffman.js')
const qpack = require('../src/http3/qpack.js')
const { FRAME, ERROR, frame, dataHeader, settingsFrame, parseSettings, FrameParser } = require('../src/http3/frames.js')

test('varints: RFC 9000 A.1, every length, and GREASE-sized values read', () => {
  for (const [hex, value] of /** @type {const} */ ([
    ['9d7f3e7d', 494878333],
    ['7bbd', 15293],
    ['25', 37],
    ['4025', 37],
  ])) {
    assert.deepEqual(varint.read(Buffer.from(hex, 'hex'), 0), [value, hex.length / 2])
  }
  // 151,288,809,941,952,652 (RFC 9000 A.1) is above 2^53: read approximately, never refused
  // (Chromium sends such reserved types); writing one is refused.
  const big = varint.read(Buffer.from('c2197c5eff14e88c', 'hex'), 0)
  assert.ok(big !== null && big[0] === Number(151288809941952652n) && big[1] === 8)
  assert.throws(() => varint.encode(2 ** 60), RangeError)
  for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
    const bytes = varint.encode(v)
    assert.equal(bytes.length, varint.length(v))
    assert.deepEqual(varint.read(bytes, 0), [v, bytes.length])
    assert.equal(varint.read(bytes.subarray(0, bytes.length - 1), 0), bytes.length > 1 ? null : null)
  }
  assert.throws(() => varint.encode(-1), RangeError)
})

test('Huffman: RFC 7541 C.4 strings, every byte, and bad input refused', () => {
  for (const [text, hex] of [
    ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
    ['no-cache', 'a8eb10649cbf'],
    ['custom-key', '25a849e95ba97d7f'],
    ['custom-value', '25a849e95bb8e8b4bf'],
  ]) {
    const raw = Buffer.from(text)
    const out = Buffer.alloc(huffman.encodedLength(raw))
    assert.equal(huffman.encode(raw, out, 0), out.length)
    assert.equal(out.toString('hex'), hex)
    assert.equal(huffman.decode(out).toString(), text)
  }
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
  const coded = Buffer.alloc(huffman.encodedLength(all))
  huffman.encode(all, coded, 0)
  assert.ok(huffman.decode(coded).equals(all))
  // Padding of 8 or more bits, or of zeros, is an error.
  assert.throws(() => huffman.decode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ffff', 'hex')))
  assert.equal(huffman.decode(Buffer.from([0x1f])).toString(), 'a')
  assert.throws(() => huffman.decode(Buffer.from([0x18])))
})

test('QPACK: RFC 9204 B.1, round trips, and what a zero-capacity table refuses', () => {
  assert.deepEqual(qpack.decode(Buffer.from('0000510b2f696e6465782e68746d6c', 'hex')), [[':path', '/index.html']])
  /** @type {Array<[string, string]>} */
  const fields = [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':authority', 'localhost:4433'],
    [':path', '/bytes/1024'],
    ['content-type', 'application/octet-stream'],
    ['x-custom', 'Hello World'],
    ['x-empty', ''],
    ['x-latin1', 'caf\u00e9'],
  ]
  assert.deepEqual(qpack.decode(qpack.encode(fields)), fields)
  // Required Insert Count 2: the dynamic table, whose capacity is 0 here.
  assert.throws(
    () => qpack.decode(Buffer.from('0200', 'hex')),
    (e) => e instanceof qpack.QpackError && e.code === 0x200,
  )
  // An indexed line with T = 0 (dynamic), a post-base reference, a static index past the table.
  assert.throws(() => qpack.decode(Buffer.from('000081', 'hex')), qpack.QpackError)
  assert.throws(() => qpack.decode(Buffer.from('000010', 'hex')), qpack.QpackError)
  assert.throws(() => qpack.decode(Buffer.from('0000ff2c', 'hex')), qpack.QpackError)
  // Truncated, and larger than the limit.
  assert.throws(() => qpack.decode(Buffer.from('0000510b2f69', 'hex')), qpack.QpackError)
  assert.throws(() => qpack.decode(qpack.encode([['x-big', 'a'.repeat(200)]]), 100), qpack.QpackError)
})

test('frames: parsed whole however the stream cuts them, DATA piece by piece', () => {
  const head = qpack.encode([[':status', '200']])
  const body = Buffer.alloc(10_000, 7)
  const wire = Buffer.concat([
    frame(FRAME.HEADERS, head),
    dataHeader(body.length),
    body,
    dataHeader(0),
    frame(0x21, Buffer.from('reserved frame type')),
    frame(FRAME.HEADERS, qpack.encode([['x-trailer', 'yes']])),
  ])
  for (const cut of [1, 2, 3, 7, 1000, wire.length]) {
    const parser = new FrameParser()
    /** @type {Array<{ type: number, payload?: Buffer, data?: Uint8Array }>} */
    const got = []
    for (let i = 0; i < wire.length; i += cut) got.push(...parser.push(wire.subarray(i, i + cut)))
    assert.ok(parser.atBoundary)
    const frames = got.filter((f) => f.type !== FRAME.DATA)
    assert.deepEqual(
      frames.map((f) => f.type),
      [FRAME.HEADERS, 0x21, FRAME.HEADERS],
    )
    assert.deepEqual(qpack.decode(/** @type {Buffer} */ (frames[0].payload)), [[':status', '200']])
    const data = Buffer.concat(got.filter((f) => f.type === FRAME.DATA).map((f) => /** @type {Uint8Array} */ (f.data)))
    assert.ok(data.equals(body), `cut ${cut}`)
  }
  const parser = new FrameParser({ maxFrame: 16 })
  assert.throws(
    () => parser.push(frame(FRAME.HEADERS, Buffer.alloc(17))),
    (e) => /** @type {any} */ (e).code === ERROR.EXCESSIVE_LOAD,
  )
  const half = new FrameParser()
  half.push(frame(FRAME.HEADERS, Buffer.alloc(4)).subarray(0, 3))
  assert.equal(half.atBoundary, false)
})

test('SETTINGS: round trip, repeats and HTTP/2 settings refused', () => {
  const wire = settingsFrame([
    [0x01, 0],
    [0x06, 65536],
    [0x33, 1],
  ])
  const [f] = new FrameParser().push(wire)
  assert.deepEqual(
    [...parseSettings(/** @type {Buffer} */ (f.payload))],
    [
      [0x01, 0],
      [0x06, 65536],
      [0x33, 1],
    ],
  )
  assert.throws(
    () => parseSettings(Buffer.from([0x01, 0x00, 0x01, 0x00])),
    (e) => /** @type {any} */ (e).code === ERROR.SETTINGS_ERROR,
  )
  assert.throws(
    () => parseSettings(Buffer.from([0x02, 0x00])),
    (e) => /** @type {any} */ (e).code === ERROR.SETTINGS_ERROR,
  )
})

test('priorities (RFC 9218): the priority field parsed, defaults for what is missing or wrong', () => {
  const { parsePriority } = require('../src/http3/priority.js')
  assert.deepEqual(parsePriority(null), { urgency: 3, incremental: false })
  assert.deepEqual(parsePriority('u=1'), { urgency: 1, incremental: false })
  assert.deepEqual(parsePriority('u=1, i'), { urgency: 1, incremental: true })
  assert.deepEqual(parsePriority('i=?1'), { urgency: 3, incremental: true })
  assert.deepEqual(parsePriority('u=0;x=1, i=?0'), { urgency: 0, incremental: false })
  assert.deepEqual(parsePriority('foo, u=5'), { urgency: 5, incremental: false })
  // Out of range or not an integer: the default, as for a missing member.
  assert.deepEqual(parsePriority('u=9'), { urgency: 3, incremental: false })
  assert.deepEqual(parsePriority('u=a, i=maybe'), { urgency: 3, incremental: false })
})
