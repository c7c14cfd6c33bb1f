// @ts-check
'use strict'
// WebTransport over HTTP/3 (src/webtransport/) against an independent peer: aioquic's
// WebTransport client (tests/interop/h3_peer.py wt-client) opens a session on our Http3Server
// and echoes a bidirectional stream, a unidirectional stream and a datagram; closes the
// session with a code and reason, or hears ours; and a path the server refuses. Also the
// example's sessions, by its command line, and the error-code mapping. And our WebTransport
// client (the browser's interface) against aioquic's WebTransport server and ours.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Http3Server } = require('../src/http3/index.js')
const { toHttp3, fromHttp3, WebTransport, WebTransportError } = require('../src/webtransport/index.js')
const { echoSession } = require('../examples/webtransport-echo.js')
const { fixtures } = require('./helpers/quic.js')
const { hasPython, fx, runPeer, startPeerServer } = require('./helpers/aioquic.js')
const { startExampleServer } = require('./helpers/example-server.js')

const peer = path.join(__dirname, 'interop', 'h3_peer.py')
const opts = { skip: !hasPython && 'no Python' }

/** aioquic's WebTransport client against `port`. @param {number} port @param {string[]} [extra] */
function wtClient(port, extra = []) {
  return runPeer(peer, ['wt-client', '--port', String(port), '--ca', fx('ca.crt'), ...extra], 60_000)
}

/**
 * A server whose sessions echo (at /echo) or echo once and then close with 42 "done" (/close);
 * other paths are refused. Resolves `sessions` with each session's `closed`.
 * @param {import('node:test').TestContext} t
 */
async function server(t) {
  /** @type {Array<Promise<{ closeCode: number, reason: string }>>} */
  const closed = []
  const s = new Http3Server({
    key: fixtures.ec.key,
    cert: fixtures.ec.cert,
    handler: () => new Response('not a session', { status: 404 }),
    onWebTransport: (session, request) => {
      closed.push(session.closed)
      const where = new URL(request.url).pathname
      if (where !== '/echo' && where !== '/close') {
        session.close({ closeCode: 404, reason: 'no such session path' })
        return
      }
      echoSession(/** @type {any} */ (session), {
        afterBidi: () => where === '/close' && session.close({ closeCode: 42, reason: 'done' }),
      })
    },
  })
  await s.start({ host: '127.0.0.1', port: 0 })
  t.after(() => s.stop({ force: true }))
  return { s, closed }
}

test('aioquic WebTransport client: bidi, uni and datagram echoed; its close code reaches us', opts, async (t) => {
  const { s, closed } = await server(t)
  const out = /** @type {any} */ (await wtClient(s.port))
  assert.equal(out.status, 200)
  assert.equal(out.draft, 'draft02')
  assert.equal(out.bidi, 'bidi-hello')
  assert.deepEqual(out.uni, ['uni-hello'])
  assert.equal(out.datagram, 'dgram-hello')
  assert.equal(closed.length, 1)
  assert.deepEqual(await closed[0], { closeCode: 7, reason: 'bye' })
})

test('our side closes a session: the client hears the code and reason; a refused path', opts, async (t) => {
  const { s } = await server(t)
  const out = /** @type {any} */ (await wtClient(s.port, ['--path', '/close', '--peer-closes']))
  assert.equal(out.bidi, 'bidi-hello')
  assert.deepEqual(out.closed, { code: 42, reason: 'done' })
  const refused = /** @type {any} */ (await wtClient(s.port, ['--path', '/nowhere', '--peer-closes']))
  assert.equal(refused.status, 200)
  assert.deepEqual(refused.closed, { code: 404, reason: 'no such session path' })
})

test('examples/http3-server.js: WebTransport sessions at /echo', opts, async () => {
  const example = await startExampleServer()
  try {
    const out = /** @type {any} */ (await wtClient(example.port))
    assert.equal(out.bidi, 'bidi-hello')
    assert.deepEqual(out.uni, ['uni-hello'])
    assert.equal(out.datagram, 'dgram-hello')
  } finally {
    assert.equal(await example.stop(), 0)
  }
})

test('stream error codes map into HTTP/3 codes and back, skipping the reserved ones', () => {
  for (const n of [0, 1, 29, 30, 31, 1000, 0xfffffffe, 0xffffffff]) assert.equal(fromHttp3(toHttp3(n)), n)
  assert.equal(toHttp3(0), 0x52e4a40fa8db)
  // Codes of the form 0x1f * N + 0x21 are greasing values, no application's.
  assert.equal(fromHttp3(0x52e4a40fa8db + 30), null)
  assert.equal(fromHttp3(0x100), null)
  assert.throws(() => toHttp3(2 ** 32), RangeError)
})

/**
 * Our WebTransport client's three echoes against a server at `url`; resolves with what came back.
 * @param {string} url
 */
async function clientEchoes(url) {
  const wt = new WebTransport(url, { ca: fixtures.ca })
  await wt.ready
  const enc = new TextEncoder()
  const text = async (/** @type {ReadableStream<Uint8Array>} */ r) => {
    let s = ''
    for await (const c of /** @type {any} */ (r)) s += Buffer.from(c).toString()
    return s
  }
  const bidi = await wt.createBidirectionalStream()
  const w = bidi.writable.getWriter()
  await w.write(enc.encode('bidi-hello'))
  await w.close()
  const bidiBack = await text(bidi.readable)
  const uni = (await wt.createUnidirectionalStream()).getWriter()
  await uni.write(enc.encode('uni-hello'))
  await uni.close()
  const { value: back } = await wt.incomingUnidirectionalStreams.getReader().read()
  const uniBack = await text(back)
  const dw = wt.datagrams.writable.getWriter()
  const dr = wt.datagrams.readable.getReader()
  /** @type {string | null} */
  let datagram = null
  for (let i = 0; i < 20 && datagram === null; i++) {
    await dw.write(enc.encode('dgram-hello'))
    datagram = await Promise.race([
      dr.read().then((r) => Buffer.from(/** @type {Uint8Array} */ (r.value)).toString()),
      new Promise((r) => setTimeout(() => r(null), 250)),
    ])
  }
  return { wt, bidi: bidiBack, uni: uniBack, datagram }
}

test('our WebTransport client → aioquic WebTransport server: three echoes, our close code heard', opts, async (t) => {
  const { port, stderr } = await startPeerServer(t, peer, [
    'wt-server',
    '--cert',
    fx('server-ec.crt'),
    '--key',
    fx('server-ec.key'),
  ])
  const { wt, ...echoes } = await clientEchoes(`https://localhost:${port}/echo`)
  assert.deepEqual(echoes, { bidi: 'bidi-hello', uni: 'uni-hello', datagram: 'dgram-hello' })
  wt.close({ closeCode: 9, reason: 'done' })
  assert.deepEqual(await wt.closed, { closeCode: 9, reason: 'done' })
  for (let i = 0; i < 100 && !stderr().includes('closed'); i++) await new Promise((r) => setTimeout(r, 10))
  assert.deepEqual(JSON.parse(stderr().trim().split('\n').pop() ?? '{}'), { closed: { code: 9, reason: 'done' } })
  // A path aioquic refuses: `ready` rejects.
  const refused = new WebTransport(`https://localhost:${port}/elsewhere`, { ca: fixtures.ca })
  await assert.rejects(refused.ready, (e) => e instanceof WebTransportError && /status 404/.test(e.message))
})

test('our WebTransport client ↔ our server: echoes, a stream the server opens, its close code', async (t) => {
  /** @type {Array<import('../src/webtransport/session.js').WebTransportSession>} */
  const sessions = []
  const s = new Http3Server({
    key: fixtures.ec.key,
    cert: fixtures.ec.cert,
    handler: () => new Response('no', { status: 404 }),
    onWebTransport: (session) => {
      sessions.push(session)
      echoSession(/** @type {any} */ (session))
    },
  })
  await s.start({ host: '127.0.0.1', port: 0 })
  t.after(() => s.stop({ force: true }))
  const { wt, ...echoes } = await clientEchoes(`https://localhost:${s.port}/echo`)
  assert.deepEqual(echoes, { bidi: 'bidi-hello', uni: 'uni-hello', datagram: 'dgram-hello' })
  // The server opens a bidirectional stream; the client reads it from incomingBidirectionalStreams.
  const pushed = await sessions[0].createBidirectionalStream()
  const pw = pushed.writable.getWriter()
  await pw.write(Buffer.from('from the server'))
  await pw.close()
  const { value: incoming } = await wt.incomingBidirectionalStreams.getReader().read()
  let got = ''
  for await (const c of /** @type {any} */ (incoming.readable)) got += Buffer.from(c).toString()
  assert.equal(got, 'from the server')
  sessions[0].close({ closeCode: 42, reason: 'server done' })
  assert.deepEqual(await wt.closed, { closeCode: 42, reason: 'server done' })
})
