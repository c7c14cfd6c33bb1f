// @ts-check
'use strict'
// The native core driven from JS through an in-memory pump: behaviour and every error code.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const native = require('../src/native.js')
const { createNativeConfig } = require('../src/native-options.js')
const { NativePair, clientOptions, serverOptions } = require('./helpers/native-pair.js')
const fixtures = require('./helpers/fixtures.js')

/**
 * The error `fn` throws.
 * @param {() => unknown} fn
 * @returns {any}
 */
function thrown(fn, label = 'the call') {
  try {
    fn()
  } catch (e) {
    return e
  }
  assert.fail(`${label} did not throw`)
}

/** @param {NativePair} p */
function established(p) {
  p.advance()
  assert.equal(p.client.isEstablished(), true, `client: ${JSON.stringify(p.client.localError())}`)
  assert.equal(p.srv.isEstablished(), true)
  return p
}

/**
 * Reads a stream to its end or until nothing is readable.
 * @param {import('../src/native/binding').Connection} conn
 * @param {number} id
 */
function readAll(conn, id) {
  const chunks = []
  for (;;) {
    const c = conn.streamRead(id, 1 << 20)
    if (c == null) return { data: Buffer.concat(chunks), fin: false }
    chunks.push(c.data)
    if (c.fin) return { data: Buffer.concat(chunks), fin: true }
  }
}

test('handshake: ALPN, SNI and the server chain reach JS', () => {
  const p = established(new NativePair())
  assert.equal(p.client.applicationProto(), 'quic-test')
  assert.equal(p.srv.serverName(), 'localhost')
  const chain = p.client.peerCertChain()
  assert.ok(chain != null && chain.length === 1 && chain[0].length > 100)
  const ev = p.client.poll()
  assert.equal(ev.isEstablished, true)
  assert.equal(ev.streamsLeftBidi, 100)
  const stats = p.client.stats()
  assert.ok(stats.sent > 0 && stats.recv > 0)
  assert.equal(stats.peerInitialMaxStreamsBidi, 100)
  const [path0] = p.client.pathStats()
  assert.deepEqual(path0.peer, { host: '127.0.0.1', port: 4433 })
  assert.equal(path0.active, true)
})

test('streams: data both ways with FIN, through streamSend / streamRecv / streamRead', () => {
  const p = established(new NativePair())
  const id = p.client.openStream(true)
  assert.equal(id, 0)
  const payload = Buffer.alloc(3 * 1024 * 1024)
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251
  let sent = 0
  const got = []
  let fin = false
  const buf = Buffer.alloc(64 * 1024)
  for (let round = 0; round < 500 && !fin; round++) {
    if (sent < payload.length) sent += p.client.streamSend(id, payload.subarray(sent), true)
    p.advance()
    const ev = p.srv.poll()
    if (got.length === 0) assert.deepEqual(ev.opened, [0])
    for (;;) {
      const r = p.srv.streamRecv(id, buf)
      if (r < 0) break
      got.push(Buffer.from(buf.subarray(0, r >>> 1)))
      if (r & 1) {
        fin = true
        break
      }
    }
  }
  assert.equal(fin, true)
  assert.ok(Buffer.concat(got).equals(payload), 'payload differs')

  assert.equal(p.srv.streamSend(id, Buffer.from('pong'), true), 4)
  p.advance()
  const ev = p.client.poll()
  assert.deepEqual(ev.readable, [0])
  assert.deepEqual(ev.opened, [], 'a local stream is never reported as opened')
  assert.deepEqual(readAll(p.client, id), { data: Buffer.from('pong'), fin: true })
  assert.equal(p.client.streamFinished(id), true)
})

test('streams: opening past MAX_STREAMS returns null and burns no id', () => {
  const p = established(new NativePair({ server: { ...serverOptions(), initialMaxStreamsBidi: 2 } }))
  assert.equal(p.client.openStream(true), 0)
  assert.equal(p.client.openStream(true), 4)
  assert.equal(p.client.openStream(true), null)
  assert.equal(p.client.openStream(true), null)
  for (const id of [0, 4]) p.client.streamSend(id, Buffer.from('q'), true)
  p.advance()
  p.srv.poll()
  for (const id of [0, 4]) {
    readAll(p.srv, id)
    p.srv.streamSend(id, Buffer.from('a'), true)
  }
  p.advance()
  for (const id of [0, 4]) readAll(p.client, id)
  p.advance()
  assert.ok(p.client.poll().streamsLeftBidi >= 1)
  assert.equal(p.client.openStream(true), 8)
})

test('streams: RESET_STREAM and STOP_SENDING reach the other side with their codes', () => {
  const p = established(new NativePair())
  const id = p.client.openStream(true)
  assert.ok(id != null)
  p.client.streamSend(id, Buffer.from('hello'), false)
  p.advance()
  assert.deepEqual(p.srv.poll().readable, [id])
  assert.deepEqual(readAll(p.srv, id), { data: Buffer.from('hello'), fin: false })
  assert.equal(p.client.streamShutdown(id, 'write', 42), true)
  p.advance()
  assert.deepEqual(p.srv.poll().readable, [id])
  const e = thrown(() => readAll(p.srv, id))
  assert.equal(e.code, 'ERR_QUIC_STREAM_RESET')
  assert.equal(e.wireCode, 42)
  assert.equal(e.streamId, id)

  const id2 = p.client.openStream(true)
  assert.ok(id2 != null)
  p.client.streamSend(id2, Buffer.from('x'), false)
  p.advance()
  p.srv.poll()
  p.srv.streamShutdown(id2, 'read', 7)
  p.advance()
  assert.ok(p.client.poll().writable.includes(id2))
  const e2 = thrown(() => p.client.streamSend(id2, Buffer.from('more'), false))
  assert.equal(e2.code, 'ERR_QUIC_STREAM_STOPPED')
  assert.equal(e2.wireCode, 7)
  assert.equal(e2.streamId, id2)
})

test('streams: a writer blocked by flow control is woken through poll().writable', () => {
  const p = established(new NativePair({ server: { ...serverOptions(), initialMaxStreamDataBidiRemote: 10_000 } }))
  const id = /** @type {number} */ (p.client.openStream(true))
  const sent = p.client.streamSend(id, Buffer.alloc(50_000), false)
  assert.equal(sent, 10_000, 'the stream window caps the write')
  assert.equal(p.client.streamWritable(id, 5000), false)
  p.advance()
  p.srv.poll()
  assert.deepEqual(p.client.poll().writable, [])
  readAll(p.srv, id)
  p.advance()
  assert.deepEqual(p.client.poll().writable, [id], 'credit returned by the reader wakes the writer')
  assert.ok(p.client.streamCapacity(id) >= 5000)
})

test('datagrams both ways', () => {
  const p = established(new NativePair())
  assert.ok(/** @type {number} */ (p.client.dgramMaxWritableLen()) > 1000)
  assert.equal(p.client.dgramSend(Buffer.from('ping')), true)
  p.advance()
  assert.equal(p.srv.poll().dgramsReadable, 1)
  assert.deepEqual(p.srv.dgramRecvAll(), [Buffer.from('ping')])
  p.srv.dgramSend(Buffer.from('pong'))
  p.srv.dgramSend(Buffer.from('pong2'))
  p.advance()
  assert.deepEqual(p.client.dgramRecv(), Buffer.from('pong'))
  assert.deepEqual(p.client.dgramRecv(), Buffer.from('pong2'))
  assert.equal(p.client.dgramRecv(), null)
})

test('close: the peer sees the application code and reason', () => {
  const p = established(new NativePair())
  assert.equal(p.srv.close(true, 0x1234, Buffer.from('bye')), true)
  assert.equal(p.srv.close(true, 1, null), false, 'a second close is a no-op')
  p.advance()
  const e = p.client.peerError()
  assert.ok(e != null)
  assert.equal(e.isApp, true)
  assert.equal(e.errorCode, 0x1234)
  assert.equal(e.reason.toString(), 'bye')
  const ev = p.client.poll()
  assert.ok(ev.isDraining || ev.isClosed)
})

test('idle timeout closes both sides', async () => {
  const p = established(new NativePair({ client: { ...clientOptions(), maxIdleTimeout: 100 } }))
  const t = p.client.timeout()
  assert.ok(t != null && t <= 300, `deadline ${t}`)
  await new Promise((r) => setTimeout(r, 350))
  p.client.onTimeout()
  p.srv.onTimeout()
  assert.equal(p.client.isClosed() && p.client.isTimedOut(), true)
  assert.equal(p.srv.isClosed() && p.srv.isTimedOut(), true)
  assert.equal(p.client.timeout(), null)
})

test('retry: a token bound to the address brings the client back', () => {
  const p = new NativePair()
  const keys = new native.TokenKey(Buffer.from('secret'), 10_000)
  const out = Buffer.alloc(1500)
  const meta = new Uint32Array(3)
  p.client.send(out, meta)
  const hdr = native.parseHeader(out.subarray(0, meta[1]), 20)
  assert.equal(hdr.type, 'initial')
  assert.equal(native.versionIsSupported(hdr.version), true)
  const newScid = native.generateConnectionId(20)
  const token = keys.mint(hdr.dcid, p.caddr)
  const retry = Buffer.alloc(1500)
  const n = native.retry(hdr.scid, hdr.dcid, newScid, token, hdr.version, retry)
  assert.equal(native.parseHeader(Buffer.from(retry.subarray(0, n)), 20).type, 'retry')
  p.client.recv(retry.subarray(0, n), p.saddr)

  p.client.send(out, meta)
  const pkt = out.subarray(0, meta[1])
  const hdr2 = native.parseHeader(Buffer.from(pkt), 20)
  assert.ok(hdr2.dcid.equals(newScid))
  assert.ok(hdr2.token != null)
  assert.equal(keys.validate(hdr2.token, native.encodeAddress('127.0.0.1', 50001)), null, 'other port')
  assert.equal(keys.validate(hdr2.token, p.caddr, Date.now() + 11_000), null, 'expired')
  const odcid = keys.validate(hdr2.token, p.caddr)
  assert.ok(odcid?.equals(hdr.dcid))
  p.server = native.Connection.accept(p.serverConfig, hdr2.dcid, odcid, p.saddr, p.caddr)
  p.server.recv(pkt, p.caddr)
  established(p)
})

test('version negotiation packets list our version', () => {
  const out = Buffer.alloc(1500)
  const n = native.negotiateVersion(Buffer.from([1, 2, 3, 4]), Buffer.from([5, 6, 7, 8]), out)
  const hdr = native.parseHeader(out.subarray(0, n), 4)
  assert.equal(hdr.type, 'versionNegotiation')
  assert.deepEqual([...hdr.dcid], [1, 2, 3, 4])
  assert.ok(hdr.versions?.includes(native.PROTOCOL_VERSION))
  assert.equal(native.versionIsSupported(0xbabababa), false)
})

test('TLS: RSA, ECDSA and Ed25519 servers; chain picked by SNI and key type', () => {
  for (const kind of /** @type {const} */ (['rsa', 'ec', 'ed25519'])) {
    const server = { ...serverOptions(), key: fixtures[kind].key, cert: fixtures[kind].cert }
    established(new NativePair({ server }))
  }
  const multi = {
    ...serverOptions(),
    key: [fixtures.rsa.key, fixtures.ec.key, fixtures.other.key],
    cert: [fixtures.rsa.cert, fixtures.ec.cert, fixtures.other.cert],
  }
  const der = (/** @type {string} */ pem) => new (require('node:crypto').X509Certificate)(pem).raw
  let p = established(
    new NativePair({ server: multi, client: { ...clientOptions(), sigalgs: 'ecdsa_secp256r1_sha256' } }),
  )
  assert.ok(p.client.peerCertChain()?.[0].equals(der(fixtures.ec.cert)))
  p = established(new NativePair({ server: multi, serverName: 'other.test' }))
  assert.ok(p.client.peerCertChain()?.[0].equals(der(fixtures.other.cert)))
})

test('TLS: unknown CA and wrong name fail; verifyAllowFail lets JS judge; mutual TLS', () => {
  let p = new NativePair({ client: { ...clientOptions(), ca: fixtures.ca2 } })
  p.advance()
  assert.equal(p.client.isEstablished(), false)
  assert.equal(p.client.localError()?.errorCode, 0x100 + 48, 'unknown_ca alert')

  p = new NativePair({ serverName: 'elsewhere.test' })
  p.advance()
  assert.equal(p.client.isEstablished(), false)

  p = established(new NativePair({ client: { ...clientOptions(), ca: fixtures.ca2, verifyAllowFail: true } }))
  assert.equal(p.client.peerCertChain()?.length, 1)

  const mtls = { ...serverOptions(), verifyPeer: true, ca: fixtures.ca }
  p = new NativePair({ server: mtls })
  p.advance()
  assert.equal(p.srv.isEstablished(), false, 'no client certificate')
  p = new NativePair({ server: mtls, client: { ...clientOptions(), ...fixtures.clientCa2 } })
  p.advance()
  assert.equal(p.srv.isEstablished(), false, 'client certificate from another CA')
  p = established(new NativePair({ server: mtls, client: { ...clientOptions(), ...fixtures.client } }))
  assert.equal(p.srv.peerCertChain()?.length, 1)
})

test('garbage datagrams: dropped or refused, never fatal', () => {
  const p = established(new NativePair())
  let seed = 42
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed
  }
  const scid = p.srv.sourceId()
  for (let i = 0; i < 3000; i++) {
    const junk = Buffer.alloc(1 + (rnd() % 1400))
    for (let j = 0; j < junk.length; j++) junk[j] = rnd() & 0xff
    if (i % 2 === 0 && junk.length > 21) {
      junk[0] = 0x40 | (junk[0] & 0x3f)
      scid.copy(junk, 1)
    }
    try {
      p.srv.recv(junk, p.caddr)
    } catch (e) {
      assert.match(/** @type {any} */ (e).code, /^ERR_QUIC_/)
    }
    try {
      native.parseHeader(junk, 20)
    } catch (e) {
      assert.equal(/** @type {any} */ (e).code, 'ERR_QUIC_INVALID_PACKET')
    }
  }
  assert.equal(p.srv.isClosed(), false)
  const id = /** @type {number} */ (p.client.openStream(true))
  p.client.streamSend(id, Buffer.from('still alive'), true)
  p.advance()
  p.srv.poll()
  assert.equal(readAll(p.srv, id).data.toString(), 'still alive')
})

test('connection ids: spares issued after the handshake are reported once', () => {
  const p = established(new NativePair())
  const ev = p.srv.poll()
  assert.ok(ev.scidsIssued.length >= 1)
  for (const cid of ev.scidsIssued) assert.equal(cid.length, 20)
  assert.deepEqual(p.srv.poll().scidsIssued, [])
  p.advance()
  assert.ok(p.srv.sourceIds().length > 1)
  assert.equal(p.srv.sourceIds().length, 1 + ev.scidsIssued.length)
})

test('send: destinations come through the slot table', () => {
  const p = established(new NativePair())
  const id = /** @type {number} */ (p.client.openStream(true))
  p.client.streamSend(id, Buffer.from('x'), false)
  const out = Buffer.alloc(15000)
  const meta = new Uint32Array(21)
  assert.ok(p.client.send(out, meta) >= 1)
  assert.equal(meta[2], 0)
  assert.deepEqual(p.client.destinations(), [{ host: '127.0.0.1', port: 4433 }])
})

test('session resumption and 0-RTT', () => {
  const server = { ...serverOptions(), ticketKey: Buffer.alloc(48, 5), enableEarlyData: true }
  const client = { ...clientOptions(), enableEarlyData: true }
  const p = established(new NativePair({ server, client }))
  p.advance()
  const session = p.client.session()
  assert.ok(session != null)
  const q = new NativePair({ server, client })
  q.client = native.Connection.connect(
    q.clientConfig,
    'localhost',
    native.generateConnectionId(),
    q.caddr,
    q.saddr,
    session,
  )
  const id = q.client.openStream(true)
  assert.equal(id, 0, 'remembered transport parameters allow a 0-RTT stream')
  q.client.streamSend(0, Buffer.from('early'), true)
  q.firstFlight()
  assert.deepEqual(q.srv.poll().opened, [0])
  assert.deepEqual(readAll(q.srv, 0), { data: Buffer.from('early'), fin: true })
  established(q)
  assert.equal(q.client.isResumed(), true)
})

test('keylog: secrets appended by every connection of a config', () => {
  const file = path.join(os.tmpdir(), `quic-keylog-${process.pid}.txt`)
  fs.rmSync(file, { force: true })
  const client = { ...clientOptions(), logKeys: file }
  established(new NativePair({ client }))
  const first = fs.readFileSync(file, 'utf8')
  assert.match(first, /CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]+ [0-9a-f]+/)
  established(new NativePair({ client }))
  const both = fs.readFileSync(file, 'utf8')
  assert.ok(both.length > first.length && both.startsWith(first))
  fs.rmSync(file, { force: true })
})

test('qlog: a connection writes its trace', () => {
  const file = path.join(os.tmpdir(), `quic-qlog-${process.pid}.sqlog`)
  const p = new NativePair()
  p.client.setQlog(file, 'test', null)
  established(p)
  p.client.close(true, 0, null)
  p.advance()
  const text = fs.readFileSync(file, 'utf8')
  assert.match(text, /"file_schema":"urn:ietf:params:qlog:file:sequential"/, 'no qlog header')
  assert.match(text, /packet_sent/, 'no packet events')
  fs.rmSync(file, { force: true })
})

test('every error code the API can raise on its own reaches JS with its properties', () => {
  /** @type {[string, () => unknown, Record<string, unknown>?][]} */
  const cases = [
    ['ERR_QUIC_INVALID_CONFIG', () => createNativeConfig({ maxIdleTimeout: -1 }), { field: 'maxIdleTimeout' }],
    ['ERR_QUIC_INVALID_CONFIG', () => createNativeConfig(/** @type {any} */ ({ nope: 1 })), { field: 'nope' }],
    ['ERR_QUIC_INVALID_CONFIG', () => new native.Config({ ccAlgorithm: 'vegas' }), { field: 'ccAlgorithm' }],
    ['ERR_QUIC_INVALID_PEM', () => createNativeConfig({ key: 'x', cert: fixtures.ec.cert }), { field: 'key' }],
    [
      'ERR_QUIC_INVALID_PEM',
      () => createNativeConfig({ key: fixtures.rsa.key, cert: fixtures.ec.cert }),
      { field: 'key' },
    ],
    ['ERR_QUIC_INVALID_PEM', () => createNativeConfig({ ca: 'junk' }), { field: 'ca' }],
    ['ERR_QUIC_IO', () => createNativeConfig({ logKeys: '/nonexistent-dir/keys.txt' }), { field: 'logKeys' }],
    ['ERR_QUIC_INVALID_ARGUMENT', () => native.encodeAddress('localhost', 1), { field: 'host' }],
    ['ERR_QUIC_INVALID_ARGUMENT', () => native.generateConnectionId(21), { field: 'length' }],
    ['ERR_QUIC_INVALID_PACKET', () => native.parseHeader(Buffer.from([0x80]), 20)],
    ['ERR_QUIC_BUFFER_TOO_SHORT', () => native.negotiateVersion(Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(8))],
    [
      'ERR_QUIC_UNKNOWN_VERSION',
      () => native.retry(Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4), 7, Buffer.alloc(1500)),
    ],
  ]
  const p = established(new NativePair({ server: { ...serverOptions(), enableDgram: false } }))
  cases.push(
    ['ERR_QUIC_INVALID_ARGUMENT', () => p.client.recv(Buffer.alloc(10), Buffer.alloc(5)), { field: 'from' }],
    ['ERR_QUIC_INVALID_ARGUMENT', () => p.client.streamSend(-1, Buffer.alloc(1), false), { field: 'streamId' }],
    ['ERR_QUIC_INVALID_ARGUMENT', () => p.client.close(true, 2 ** 63, null), { field: 'code' }],
    ['ERR_QUIC_INVALID_STATE', () => p.client.dgramSend(Buffer.from('no DATAGRAM negotiated'))],
    [
      'ERR_QUIC_STREAM_LIMIT',
      () => p.client.streamSend(4000, Buffer.from('x'), false),
      { streamId: 4000, wireCode: 4 },
    ],
    ['ERR_QUIC_INVALID_STREAM_STATE', () => p.client.streamCapacity(1), { streamId: 1 }],
  )
  const d = established(new NativePair())
  cases.push(['ERR_QUIC_BUFFER_TOO_SHORT', () => d.client.dgramSend(Buffer.alloc(5000))])
  const tls = new NativePair({ client: { ...clientOptions(), ca: fixtures.ca2 } })
  tls.firstFlight()
  cases.push([
    'ERR_QUIC_TLS_FAIL',
    () => {
      const out = Buffer.alloc(64 * 1500)
      const meta = new Uint32Array(129)
      const n = tls.srv.send(out, meta)
      let off = 0
      for (let i = 0; i < n; i++) {
        tls.client.recv(out.subarray(off, off + meta[1 + 2 * i]), tls.saddr)
        off += meta[1 + 2 * i]
      }
    },
  ])
  for (const [code, fn, props] of cases) {
    const e = thrown(fn, code)
    assert.ok(Object.prototype.toString.call(e) === '[object Error]', `${code}: not an Error`)
    assert.equal(e.code, code, `${code}: got ${e.code} (${e.message})`)
    for (const [k, v] of Object.entries(props ?? {})) assert.equal(e[k], v, `${code}.${k}`)
  }
})

test('pollInto: the compact poll reports what poll() does, over several calls when the ids do not fit', () => {
  const p = new NativePair()
  p.advance()
  const out = new Float64Array(7 + 4)
  // The handshake's end; the server's spare connection ids wait in pollExtras.
  p.client.pollInto(out)
  assert.ok((out[0] & 1) !== 0, 'established')
  assert.ok((out[0] & 16) !== 0, 'the spare connection ids issued wait in pollExtras')
  assert.ok(p.client.pollExtras().scidsIssued.length > 0)
  assert.deepEqual(p.client.pollExtras(), { scidsIssued: [], scidsRetired: [], pathEvents: [] })
  p.srv.pollInto(out)
  p.srv.pollExtras()
  const ids = []
  for (let i = 0; i < 10; i++) {
    const id = /** @type {number} */ (p.client.openStream(true))
    p.client.streamSend(id, Buffer.from('x'), true)
    ids.push(id)
  }
  p.advance()
  /** @type {number[]} */
  const opened = []
  /** @type {number[]} */
  const readable = []
  /** @type {number[]} */
  const writable = []
  let calls = 0
  do {
    const n = p.srv.pollInto(out)
    calls++
    assert.equal(n, out[4] + out[5] + out[6])
    let i = 7
    for (const end = i + out[4]; i < end; i++) opened.push(out[i])
    for (const end = i + out[5]; i < end; i++) readable.push(out[i])
    for (const end = i + out[6]; i < end; i++) writable.push(out[i])
  } while ((out[0] & 32) !== 0 && calls < 20)
  assert.deepEqual(opened, ids)
  assert.deepEqual(
    [...readable].sort((a, b) => a - b),
    ids,
  )
  // The new bidirectional streams are writable for the server too.
  assert.deepEqual(
    [...writable].sort((a, b) => a - b),
    ids,
  )
  assert.equal(calls, 8, '30 ids, 4 a call')
  assert.equal(out[1], p.srv.peerStreamsLeftBidi())
  assert.throws(() => p.srv.pollInto(new Float64Array(7)), { code: 'ERR_QUIC_INVALID_ARGUMENT' })
})

test('streamReadInto: small reads into the target from an offset, larger ones as a buffer of their own; a FIN-only frame', () => {
  const p = established(new NativePair())
  const id = /** @type {number} */ (p.client.openStream(true))
  const target = Buffer.alloc(1024)
  p.client.streamSend(id, Buffer.from('small'), false)
  p.advance()
  p.srv.poll()
  assert.equal(p.srv.streamReadInto(id, 1 << 20, target, 1000), 5 * 2)
  assert.equal(target.subarray(1000, 1005).toString(), 'small')
  assert.equal(p.srv.streamReadInto(id, 1 << 20, target, 0), -1, 'nothing more')
  p.client.streamSend(id, Buffer.from('more than fits at the end'), false)
  p.advance()
  p.srv.poll()
  const tail = p.srv.streamReadInto(id, 1 << 20, target, 1010)
  assert.ok(
    typeof tail === 'object' && tail.data.toString() === 'more than fits at the end',
    'no room from the offset: a buffer of its own',
  )
  p.client.streamSend(id, Buffer.from('x'), false)
  p.advance()
  p.srv.poll()
  assert.ok(
    typeof p.srv.streamReadInto(id, 1 << 20, target, 5000) === 'object',
    'an offset past the end is no room, not an error',
  )
  const big = Buffer.alloc(5000, 9)
  p.client.streamSend(id, big, false)
  p.advance()
  p.srv.poll()
  const r = p.srv.streamReadInto(id, 3000, target, 0)
  assert.ok(typeof r === 'object' && r.data.length === 3000 && !r.fin, 'past the room: its own buffer, capped at max')
  const rest = p.srv.streamReadInto(id, 1 << 20, target, 0)
  assert.ok(typeof rest === 'object' && rest.data.length === 2000)
  // The FIN in a frame of its own, behind data: read with the data, and its empty frame goes too.
  p.client.streamSend(id, Buffer.from('abc'), false)
  p.advance()
  p.client.streamSend(id, Buffer.alloc(0), true)
  p.advance()
  p.srv.poll()
  assert.equal(p.srv.streamReadInto(id, 1 << 20, target, 0), 3 * 2 + 1)
  assert.equal(p.srv.streamFinished(id), true)
  assert.equal(p.srv.streamReadInto(id, 1 << 20, target, 0), -1, 'nothing left to read')
  // So once the server's own FIN is acknowledged, quiche lets go of the stream.
  p.srv.streamSend(id, Buffer.from('ok'), true)
  p.advance()
  assert.equal(p.srv.sweepCollected(new Float64Array([id]), 1), 0)
})

test('streamRead: a FIN that came in a frame of its own is read, and the stream let go of, without a read of its own', () => {
  const p = established(new NativePair())
  const id = /** @type {number} */ (p.client.openStream(true))
  p.client.streamSend(id, Buffer.alloc(4000, 7), false)
  p.advance()
  p.client.streamSend(id, Buffer.alloc(0), true)
  p.advance()
  p.srv.poll()
  const r = p.srv.streamRead(id, 1 << 20)
  assert.ok(r != null && r.data.length === 4000 && r.fin)
  assert.equal(p.srv.streamRead(id, 1 << 20), null, 'nothing left to read')
  p.srv.streamSend(id, Buffer.alloc(0), true)
  p.advance()
  assert.equal(p.srv.sweepCollected(new Float64Array([id]), 1), 0)
})

/** A client stream the server stopped with code 9; returns its id. @param {NativePair} p */
function stoppedByServer(p) {
  const id = /** @type {number} */ (p.client.openStream(true))
  p.client.streamSend(id, Buffer.from('x'), false)
  p.advance()
  p.srv.poll()
  p.srv.streamShutdown(id, 'read', 9)
  p.advance()
  return id
}

test('pollInto: a writable stream the peer stopped comes as -id - 1', () => {
  const p = established(new NativePair())
  const out = new Float64Array(7 + 16)
  const id = stoppedByServer(p)
  p.client.pollInto(out)
  const writable = Array.from(out.subarray(7 + out[4] + out[5], 7 + out[4] + out[5] + out[6]))
  assert.deepEqual(writable, [-id - 1])
  assert.equal(p.client.takeStopCode(id), 9, 'the code comes with the report')
  assert.equal(p.client.takeStopCode(id), null, 'once')
  assert.equal(thrown(() => p.client.streamCapacity(id)).wireCode, 9)
  // poll() reports the stop without a code: none is kept for it.
  const q = established(new NativePair())
  const id2 = stoppedByServer(q)
  assert.deepEqual(q.client.poll().writable, [id2])
  assert.equal(q.client.takeStopCode(id2), null)
})

// quiche 0.30 reported no stopped stream while the connection could not send
// (patches/quiche-0.30.0-stop-sending-writable.patch, part 2).
test('a STOP_SENDING is reported while the connection has no send credit', () => {
  const p = established(new NativePair({ client: { ...clientOptions(), initialMaxData: 32 * 1024 } }))
  const [stopped, bulk] = [0, 1].map(() => {
    const id = /** @type {number} */ (p.client.openStream(true))
    p.client.streamSend(id, Buffer.from('x'), false)
    return id
  })
  p.advance()
  for (const id of [stopped, bulk]) readAll(p.srv, id)
  // The client reads nothing, so the server's connection credit stays spent.
  let sent = 0
  for (let i = 0; i < 16; i++, p.advance()) sent += p.srv.streamSend(bulk, Buffer.alloc(4096), false)
  assert.ok(sent < 64 * 1024 && p.srv.streamCapacity(bulk) === 0, 'the connection credit is spent')
  p.srv.poll()
  p.client.streamShutdown(stopped, 'read', 6)
  p.advance()
  assert.deepEqual(p.srv.poll().writable, [stopped])
  assert.equal(thrown(() => p.srv.streamCapacity(stopped)).wireCode, 6)
})

// quiche 0.30 reported a reset only to a stream that was not readable already, and dropped it
// when the FIN had come first (patches/quiche-0.30.0-stream-reset-readable.patch, -after-fin).
for (const [when, fin] of /** @type {const} */ ([
  ['over data reported but not read', false],
  ['after the FIN, with the data not yet read', true],
])) {
  test(`a RESET_STREAM ${when} reports the stream again, with only its end left`, () => {
    const p = established(new NativePair())
    const id = /** @type {number} */ (p.client.openStream(true))
    p.client.streamSend(id, Buffer.from('unread'), fin)
    p.advance()
    assert.deepEqual(p.srv.poll().readable, [id])
    assert.equal(p.srv.streamEndLeft(id), false)
    assert.equal(p.client.streamShutdown(id, 'write', 5), true)
    p.advance()
    assert.deepEqual(p.srv.poll().readable, [id], 'the reset is reported though nothing was read')
    assert.equal(p.srv.streamEndLeft(id), true)
    assert.equal(thrown(() => readAll(p.srv, id)).wireCode, 5)
  })
}

// quiche 0.30 sent an empty STREAM frame with FIN after resetting a stream that had data queued
// (patches/quiche-0.30.0-stream-shutdown-no-fin.patch).
test('a stream reset with data still unsent sends no FIN: a peer that misses the RESET_STREAM never sees a clean end', async () => {
  const many = { initialMaxStreamsBidi: 1000 }
  const p = established(
    new NativePair({ client: { ...clientOptions(), ...many }, server: { ...serverOptions(), ...many } }),
  )
  const ids = Array.from({ length: 400 }, () => {
    const id = /** @type {number} */ (p.client.openStream(true))
    p.client.streamSend(id, Buffer.from('hello'), false)
    return id
  })
  p.advance()
  for (const id of ids) assert.deepEqual(readAll(p.srv, id), { data: Buffer.from('hello'), fin: false })
  // More data waits unsent when the streams are reset; their RESET_STREAM frames take more than
  // a packet, and the first is lost.
  for (const id of ids) p.client.streamSend(id, Buffer.from('world'), false)
  for (const id of ids) p.client.streamShutdown(id, 'write', 3)
  assert.ok(p.flight(p.client, p.srv, p.caddr, (i) => i >= 1) > 1)
  const clean = ids.filter((id) => {
    try {
      return readAll(p.srv, id).fin
    } catch {
      return false
    }
  })
  assert.deepEqual(clean, [], 'streams that read as finished though the client sent half of their data')
  // The lost resets come again (after the loss timer), and every stream ends with one.
  const codes = new Set()
  for (let round = 0; round < 20 && !ids.every((id) => p.srv.streamFinished(id)); round++) {
    await new Promise((resolve) => setTimeout(resolve, (p.client.timeout() ?? 0) + 1))
    p.client.onTimeout()
    p.advance()
    for (const id of ids) {
      if (p.srv.streamReadable(id)) codes.add(thrown(() => readAll(p.srv, id)).wireCode)
    }
  }
  assert.ok(
    ids.every((id) => p.srv.streamFinished(id)),
    'every stream ends',
  )
  assert.deepEqual([...codes], [3])
})

test('flushToFd: refuses a short state array and a bad fd', () => {
  const p = established(new NativePair())
  assert.equal(thrown(() => p.client.flushToFd(-1, 8, new Float64Array(2))).code, 'ERR_QUIC_INVALID_ARGUMENT')
  assert.equal(thrown(() => p.client.flushToFd(0, 8, new Float64Array(1))).code, 'ERR_QUIC_INVALID_ARGUMENT')
})

test('fast calls: sends, polls and reads (into the target or as a chunk of their own); a wrong handle or array is a TypeError; quiche errors keep their codes', () => {
  const { fast } = native
  const p = established(new NativePair())
  const c = p.client.handle()
  const srv = p.srv.handle()
  assert.equal(p.client.handle(), c, 'one handle a connection')
  assert.notEqual(srv, c)
  const id = /** @type {number} */ (p.client.openStream(true))
  assert.equal(fast.streamSend(c, id, Buffer.from('hello'), false), 5)
  p.advance()
  const out = new Float64Array(16)
  const n = fast.pollInto(srv, out)
  assert.equal(n, out[4] + out[5] + out[6])
  assert.equal(out[5], 1, 'one readable stream')
  assert.equal(out[7 + out[4]], id)
  // Into the target when it fits (length * 2 + fin), else a chunk of its own.
  const target = Buffer.alloc(16)
  assert.equal(fast.streamReadInto(srv, id, 1024, target, 4), 5 * 2)
  assert.equal(target.subarray(4, 9).toString(), 'hello')
  assert.equal(fast.streamReadInto(srv, id, 1024, target, 4), -1, 'nothing left')
  p.client.streamSend(id, Buffer.from('world!'), true)
  p.advance()
  const big = /** @type {import('../src/native/binding').StreamChunk} */ (
    fast.streamReadInto(srv, id, 1024, target, 12)
  )
  assert.deepEqual({ data: Buffer.from(big.data).toString(), fin: big.fin }, { data: 'world!', fin: true })

  const te = (/** @type {() => unknown} */ f) => {
    const e = thrown(f)
    assert.ok(e instanceof TypeError, String(e))
    return /** @type {any} */ (e).code
  }
  assert.equal(
    te(() => fast.pollInto(/** @type {any} */ ({}), out)),
    'ERR_INVALID_ARG_TYPE',
  )
  assert.equal(
    te(() => fast.pollInto(/** @type {any} */ (p.client), out)),
    'ERR_INVALID_ARG_TYPE',
    'the object is not its handle',
  )
  for (const made of [c + 2 ** 24, c + 1000, -1, 0.5, NaN]) {
    assert.equal(
      te(() => fast.pollInto(made, out)),
      'ERR_INVALID_ARG_TYPE',
      `made-up handle ${made}`,
    )
  }
  assert.equal(
    te(() => fast.pollInto(c, /** @type {any} */ (new Uint8Array(64)))),
    'ERR_INVALID_ARG_TYPE',
  )
  assert.equal(
    te(() => fast.streamSend(c, id, /** @type {any} */ ('text'), false)),
    'ERR_INVALID_ARG_TYPE',
  )
  assert.equal(thrown(() => fast.streamSend(c, -1, Buffer.from('x'), false)).code, 'ERR_QUIC_INVALID_ARGUMENT')
  assert.equal(thrown(() => fast.flushToFd(c, -1, 8, new Float64Array(2))).code, 'ERR_QUIC_INVALID_ARGUMENT')
  assert.equal(thrown(() => fast.flushToFd(c, 0, 8, new Float64Array(1))).code, 'ERR_QUIC_INVALID_ARGUMENT')

  const id2 = /** @type {number} */ (p.client.openStream(true))
  fast.streamSend(c, id2, Buffer.from('x'), false)
  p.advance()
  p.srv.poll()
  p.srv.streamShutdown(id2, 'read', 7)
  p.advance()
  p.client.poll()
  const e = thrown(() => fast.streamSend(c, id2, Buffer.from('more'), false))
  assert.equal(e.code, 'ERR_QUIC_STREAM_STOPPED')
  assert.equal(e.wireCode, 7)
  assert.equal(e.streamId, id2)
})

test('sweepCollected: drops the streams quiche let go of, keeps the rest in order', () => {
  const p = established(new NativePair())
  const buf = Buffer.alloc(64)
  /** Reads a stream to its end; quiche refuses reads once it has let go of it. @param {any} c @param {number} id */
  const drain = (c, id) => {
    try {
      while (c.streamRecv(id, buf) >= 0);
    } catch {
      // Collected.
    }
  }
  const ids = [0, 1, 2].map(() => /** @type {number} */ (p.client.openStream(true)))
  // Streams 0 and 2 finish both ways; stream 1 leaves its reply unread on the client.
  for (const id of ids) p.client.streamSend(id, Buffer.from('q'), true)
  p.advance()
  p.srv.poll()
  for (const id of ids) {
    drain(p.srv, id)
    p.srv.streamSend(id, Buffer.from('r'), true)
  }
  p.advance()
  for (const id of [ids[0], ids[2]]) drain(p.client, id)
  p.advance()
  const lingering = new Float64Array([ids[2], ids[1], ids[0], 0])
  assert.equal(p.client.sweepCollected(lingering, 3), 1)
  assert.equal(lingering[0], ids[1])
  drain(p.client, ids[1])
  assert.equal(p.client.sweepCollected(lingering, 1), 0)
  assert.equal(p.client.sweepCollected(lingering, 99), 0, 'a count past the array is cut to it')
})

/**
 * A server stream that has read the client's whole request (so only its own FIN keeps it) and
 * sent the first bytes of its reply, which reached the client: the client owes an ACK for them.
 * @param {NativePair} p
 */
function replyStarted(p) {
  const buf = Buffer.alloc(64)
  const id = /** @type {number} */ (p.client.openStream(true))
  p.client.streamSend(id, Buffer.from('request'), true)
  p.advance()
  assert.equal(p.srv.streamRecv(id, buf), 7 * 2 + 1, 'the request and its FIN')
  p.srv.streamSend(id, Buffer.from('reply'), false)
  p.flight(p.srv, p.client, p.saddr)
  return id
}

/** Another server stream fills the congestion window (delivered, not acknowledged). @param {NativePair} p */
function fillWindow(p) {
  const bulk = /** @type {number} */ (p.srv.openStream(true))
  const chunk = Buffer.alloc(64 * 1024, 1)
  for (let i = 0; i < 64; i++) {
    const took = p.srv.streamSend(bulk, chunk, false)
    p.flight(p.srv, p.client, p.saddr)
    if (took < chunk.length) break
  }
  assert.equal(p.srv.streamCapacity(bulk), 0, 'the window is full')
  return bulk
}

// quiche 0.30 let go of a stream whose data was acknowledged and whose peer had finished even if
// its FIN, written with no data of its own, had not been sent or was lost (cloudflare/quiche#2525).
// patches/quiche-0.30.0-fin-ack.patch makes completion wait for the FIN's acknowledgement.
test('a data-less FIN written while the congestion window is full reaches the peer though the ACK for the data comes first (cloudflare/quiche#2525)', () => {
  const p = established(new NativePair())
  const id = replyStarted(p)
  fillWindow(p)
  p.srv.streamSend(id, Buffer.alloc(0), true)
  // The client's ACK for "reply" is handled before the FIN could leave.
  p.flight(p.client, p.srv, p.caddr)
  p.advance()
  assert.deepEqual(readAll(p.client, id), { data: Buffer.from('reply'), fin: true })
})

test('a data-less FIN lost in flight is sent again though the ACK for the data comes after the loss (cloudflare/quiche#2525)', () => {
  const p = established(new NativePair())
  const id = replyStarted(p)
  p.srv.streamSend(id, Buffer.alloc(0), true)
  assert.ok(p.flight(p.srv, p.client, p.saddr, () => false) > 0, 'the FIN left, and was lost')
  p.flight(p.client, p.srv, p.caddr)
  // Later packets, acknowledged, show the FIN's packet lost (packet threshold).
  const more = /** @type {number} */ (p.srv.openStream(true))
  p.srv.streamSend(more, Buffer.alloc(16 * 1024, 1), false)
  p.advance()
  assert.deepEqual(readAll(p.client, id), { data: Buffer.from('reply'), fin: true })
})

// quiche 0.30 took the final size from a retransmitted frame whose data the application had
// read already, then dropped the frame whole: the stream ended without ever being reported
// readable again (patched by patches/quiche-0.30.0-stream-stale-data-fin.patch).
test('a FIN that comes again with data already read (its own packet lost) is reported, and read as the end', async () => {
  const p = established(new NativePair())
  const id = replyStarted(p)
  p.client.poll()
  assert.deepEqual(readAll(p.client, id), { data: Buffer.from('reply'), fin: false })
  // The FIN goes alone and is lost, and so is the client's ACK for "reply".
  p.srv.streamSend(id, Buffer.alloc(0), true)
  assert.ok(p.flight(p.srv, p.client, p.saddr, () => false) > 0, 'the FIN left, and was lost')
  assert.ok(p.flight(p.client, p.srv, p.caddr, () => false) > 0, 'the ACK left, and was lost')
  // The server's probe timeout sends "reply" and the FIN again, in one frame.
  await new Promise((resolve) => setTimeout(resolve, (p.srv.timeout() ?? 0) + 1))
  p.srv.onTimeout()
  assert.ok(p.flight(p.srv, p.client, p.saddr) > 0, 'no probe')
  assert.ok(p.client.poll().readable.includes(id), 'the stream was not reported readable')
  assert.deepEqual(readAll(p.client, id), { data: Buffer.alloc(0), fin: true })
})

// quiche 0.30 sent a data-less FIN only when the stream had no data queued: written while a lost
// range below the end waited to be sent again, the FIN went with nothing, and the stream left the
// send queue (patched by patches/quiche-0.30.0-stream-unsent-fin.patch).
test('a FIN written while earlier data waits to be sent again still goes once that data has', () => {
  const p = established(new NativePair())
  const id = replyStarted(p)
  // "first" is lost, "second" and the data after it arrive.
  p.srv.streamSend(id, Buffer.from('first'), false)
  assert.ok(p.flight(p.srv, p.client, p.saddr, () => false) > 0, '"first" left, and was lost')
  p.srv.streamSend(id, Buffer.from('second'), false)
  const more = /** @type {number} */ (p.srv.openStream(true))
  p.srv.streamSend(more, Buffer.alloc(16 * 1024, 1), false)
  p.flight(p.srv, p.client, p.saddr)
  // The client's ACKs show "first" lost (packet threshold): it waits to be sent again.
  p.flight(p.client, p.srv, p.caddr)
  p.srv.streamSend(id, Buffer.alloc(0), true)
  p.advance()
  p.client.poll()
  assert.deepEqual(readAll(p.client, id), { data: Buffer.from('replyfirstsecond'), fin: true })
})

/**
 * Exchanges packets until the client has read stream `id` to its FIN (at most `rounds` rounds);
 * `more` runs before each, and a round that read nothing lets quiche's timers fire first.
 * @param {NativePair} p @param {number} id @param {number} rounds @param {() => void} [more]
 */
async function readToFin(p, id, rounds, more = () => {}) {
  const got = []
  for (let round = 0; round < rounds; round++) {
    more()
    p.advance()
    const before = got.length
    for (let c = p.client.streamRead(id, 1 << 20); c != null; c = p.client.streamRead(id, 1 << 20)) {
      got.push(c.data)
      if (c.fin) return { data: Buffer.concat(got), fin: true }
    }
    if (got.length > before) continue
    const wait = Math.min(1000, Math.max(p.srv.timeout() ?? 0, p.client.timeout() ?? 0))
    await new Promise((resolve) => setTimeout(resolve, wait + 1))
    p.srv.onTimeout()
    p.client.onTimeout()
  }
  return { data: Buffer.concat(got), fin: false }
}

// quiche 0.30 kept loss detection per path, so after the peer's address changed the old path's
// last packets were never declared lost: PTOs resent the frames of the two oldest, again and
// again, and the peer kept a hole in the stream (cloudflare/quiche#2452; patched by
// patches/quiche-0.30.0-migration-loss.patch).
test("after a NAT rebinding, data lost in the old path's last packets is sent again over the new path (cloudflare/quiche#2452)", async () => {
  const p = established(new NativePair())
  const id = /** @type {number} */ (p.client.openStream(true))
  p.client.streamSend(id, Buffer.from('hello'), false)
  p.advance()
  // Both parts fit in the initial congestion window (ten packets).
  const sent = Buffer.alloc(11 * 1024)
  for (let i = 0; i < sent.length; i++) sent[i] = (i * 7) & 0xff
  // Reaches the client over the first path; the client owes an ACK for it.
  p.srv.streamSend(id, sent.subarray(0, 4 * 1024), false)
  p.flight(p.srv, p.client, p.saddr)
  // The tail of the reply, in several packets, all lost on the first path.
  p.srv.streamSend(id, sent.subarray(4 * 1024), true)
  assert.ok(p.flight(p.srv, p.client, p.saddr, () => false) >= 4)
  // The client's packets now come from another port: the server moves to a second path, and
  // the client's ACKs from here on acknowledge only packets sent over it.
  p.caddr = native.encodeAddress('127.0.0.1', 50001)
  // With a patched quiche the first round does it; unpatched, PTOs never get the rest out.
  const { data, fin } = await readToFin(p, id, 6)
  assert.equal(p.srv.pathStats().length, 2, 'the server saw the new path')
  assert.equal(fin, true, 'the FIN arrived')
  assert.ok(data.equals(sent), 'every byte, in order')
})

// quiche 0.30 left a path that had failed its validation failed when the peer migrated to it
// again: with no active path until a PATH_CHALLENGE went out, a second packet failed the
// connection with PROTOCOL_VIOLATION. patches/quiche-0.30.0-revalidate-path.patch starts the
// validation anew.
test('a server whose new path failed validation (amplification budget spent, challenge lost) validates it again when the peer keeps using it', async () => {
  const p = established(new NativePair())
  const id = /** @type {number} */ (p.client.openStream(true))
  p.client.streamSend(id, Buffer.from('hello'), false)
  p.advance()
  // The client's NAT mapping changes; its next packet reaches the server from a new port.
  p.caddr = native.encodeAddress('127.0.0.1', 50001)
  p.client.streamSend(id, Buffer.from('more'), false)
  p.flight(p.client, p.srv, p.caddr)
  // Everything the server sends to the new address is lost: the PATH_CHALLENGE, and the reply,
  // as far as three times the few bytes received there allow.
  const reply = Buffer.alloc(64 * 1024, 5)
  let off = 0
  // quiche takes what the congestion window allows; the rest as it opens (as the JS layer does).
  const sendMore = () => {
    if (off < reply.length) off += p.srv.streamSend(id, reply.subarray(off), true)
  }
  sendMore()
  p.flight(p.srv, p.client, p.saddr, () => false)
  const failed = () => p.srv.pathStats().some((s) => s.validationState === 'failed')
  for (let i = 0; i < 4 && !failed(); i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1500, (p.srv.timeout() ?? 0) + 1)))
    p.srv.onTimeout()
    p.flight(p.srv, p.client, p.saddr, () => false)
  }
  assert.ok(
    failed(),
    `the new path failed its validation: ${JSON.stringify(p.srv.pathStats().map((s) => s.validationState))}`,
  )
  // The client keeps sending from the new port, several packets in a row (as one received
  // batch feeds them): the server migrates to the failed path again.
  p.client.streamSend(id, Buffer.alloc(3000, 33), true)
  p.advance()
  assert.equal(p.srv.localError(), null, 'the server failed the connection')
  assert.ok(
    p.srv.pathStats().some((s) => s.active && s.validationState === 'validated'),
    'the new path validated',
  )
  // The rest of the reply, and what was lost of it (declared lost on the timers).
  const { data, fin } = await readToFin(p, id, 64, sendMore)
  assert.equal(fin, true, 'the reply ended')
  assert.ok(data.equals(reply))
})

// A FIN that rides with the last bytes (`end(lastChunk)`) never depended on the patch; the same
// scenario with such a FIN.
test('a FIN sent with the last bytes reaches the peer while the congestion window is full and an ACK for earlier data comes first', () => {
  const p = established(new NativePair())
  const id = replyStarted(p)
  fillWindow(p)
  // The reply ends in a later turn, its FIN with its last byte: the full window takes nothing
  // (the JS side waits for capacity, as `end(chunk)` does), so the FIN is not written when the
  // client's ACK for the first bytes arrives, and goes with the byte once there is room.
  assert.equal(p.srv.streamSend(id, Buffer.from('!'), true), 0, 'the window takes nothing yet')
  p.flight(p.client, p.srv, p.caddr)
  assert.equal(p.srv.streamSend(id, Buffer.from('!'), true), 1)
  p.advance()
  assert.deepEqual(readAll(p.client, id), { data: Buffer.from('reply!'), fin: true })
})
