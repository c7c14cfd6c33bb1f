// @ts-check
'use strict'
// WebTransport over HTTP/3 (src/webtransport/) against an independent peer: aioquic's
// WebTransport client (tests/interop/h3_peer.py wt-client) opens a session on our Http3Server
// and echoes a bidirectional stream, a unidirectional stream and a datagram; closes the
// session with a code and reason, or hears ours; and a path the server refuses. Also the
// example's sessions, by its command line, and the error-code mapping.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { Http3Server } = require('../src/http3/index.js')
const { toHttp3, fromHttp3 } = require('../src/webtransport/index.js')
const { fixtures } = require('./helpers/quic.js')
const { python, hasPython, fx } = require('./helpers/aioquic.js')
const { startExampleServer } = require('./helpers/example-server.js')

const peer = path.join(__dirname, 'interop', 'h3_peer.py')
const opts = { skip: !hasPython && 'no Python' }
const ignore = () => {}

/** aioquic's WebTransport client against `port`. @param {number} port @param {string[]} [extra] */
function wtClient(port, extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [peer, 'wt-client', '--port', String(port), '--ca', fx('ca.crt'), ...extra], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill(), 60_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`wt-client exited with ${code}: ${out}`))
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}'))
    })
  })
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
      void (async () => {
        for await (const { readable, writable } of /** @type {any} */ (session.incomingBidirectionalStreams)) {
          await readable.pipeTo(writable).catch(ignore)
          if (where === '/close') session.close({ closeCode: 42, reason: 'done' })
        }
      })().catch(ignore)
      void (async () => {
        for await (const readable of /** @type {any} */ (session.incomingUnidirectionalStreams)) {
          readable.pipeTo(await session.createUnidirectionalStream()).catch(ignore)
        }
      })().catch(ignore)
      void (async () => {
        const writer = session.datagrams.writable.getWriter()
        for await (const d of /** @type {any} */ (session.datagrams.readable)) await writer.write(d)
      })().catch(ignore)
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
