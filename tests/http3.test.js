// @ts-check
'use strict'
// HTTP/3 (src/http3/) against an independent peer: aioquic's HTTP/3 client (tests/interop/
// h3_peer.py) requests from our Http3Server: GET, bodies of 1 MiB both ways, request and
// response trailers, 100 requests at once, a handler that fails, and a graceful stop (GOAWAY)
// with a request in flight, which completes.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')
const { Http3Server, Http3Client, Http3Dispatcher, compat } = require('../src/http3/index.js')
const { fixtures } = require('./helpers/quic.js')
const { hasPython, fx, runPeer, startPeerServer } = require('./helpers/aioquic.js')
const { startExampleServer } = require('./helpers/example-server.js')

const peer = path.join(__dirname, 'interop', 'h3_peer.py')
const opts = { skip: !hasPython && 'no Python' }
const sha256 = (/** @type {Uint8Array} */ b) => crypto.createHash('sha256').update(b).digest('hex')
/** The bytes h3_peer.py sends as a body of `n` bytes. @param {number} n */
const peerBody = (n) => Buffer.from(Array.from({ length: n }, (_, i) => i % 251))

/**
 * aioquic's client sending `requests` at once; resolves with what it printed.
 * @param {number} port @param {Array<Record<string, unknown>>} requests
 * @returns {Promise<{ results: Array<any>, closed: any, peer_settings: Record<string, number> }>}
 */
function aioquic(port, requests) {
  return runPeer(peer, ['client', '--port', String(port), '--ca', fx('ca.crt'), '--requests', JSON.stringify(requests)])
}

/** How many /slow requests have been answered. */
let slowServed = 0

/** A server with the example's routes (and a failing one), stopped after the test. @param {import('node:test').TestContext} t */
async function server(t, extra = {}) {
  const s = new Http3Server({
    key: fixtures.ec.key,
    cert: fixtures.ec.cert,
    handler: async (req, info) => {
      const url = new URL(req.url)
      if (url.pathname === '/') return new Response('hello')
      const bytes = /^\/bytes\/(\d+)$/.exec(url.pathname)
      if (bytes) return new Response(peerBody(Number(bytes[1])))
      if (url.pathname === '/echo' && req.method === 'POST') {
        const body = new Uint8Array(await req.arrayBuffer())
        const check = (await info.trailers).get('x-check')
        if (check) info.setTrailers(new Headers({ 'x-echoed': check }))
        return new Response(body, { headers: { 'x-length': String(body.length) } })
      }
      if (url.pathname === '/slow') {
        await new Promise((r) => setTimeout(r, 300))
        slowServed++
        return new Response('slow')
      }
      if (url.pathname === '/throw') throw new Error('handler failed')
      if (url.pathname === '/trailers') {
        info.setTrailers(new Headers({ 'x-digest': 'abc' }))
        return new Response('with trailers')
      }
      return new Response('not found', { status: 404 })
    },
    ...extra,
  })
  await s.start({ host: '127.0.0.1', port: 0 })
  t.after(() => s.stop({ force: true }))
  return s
}

test('aioquic → our HTTP/3 server: GET, 1 MiB both ways, trailers, 404, a failing handler', opts, async (t) => {
  const s = await server(t)
  const out = await aioquic(s.port, [
    { method: 'GET', path: '/' },
    { method: 'GET', path: '/bytes/1048576' },
    { method: 'POST', path: '/echo', body_size: 1048576, trailers: { 'x-check': 'ok' } },
    { method: 'GET', path: '/missing' },
    { method: 'GET', path: '/throw' },
  ])
  const [hello, bytes, echo, missing, thrown] = out.results
  assert.equal(hello.status, 200)
  assert.equal(hello.sha256, sha256(Buffer.from('hello')))
  assert.equal(bytes.status, 200)
  assert.equal(bytes.size, 1048576)
  assert.equal(bytes.sha256, sha256(peerBody(1048576)))
  assert.equal(echo.status, 200)
  assert.equal(echo.headers['x-length'], '1048576')
  assert.equal(echo.sha256, echo.sent_sha256)
  assert.deepEqual(echo.trailers, { 'x-echoed': 'ok' })
  assert.equal(missing.status, 404)
  assert.equal(thrown.status, 500)
  assert.equal(out.closed, null, 'the connection stayed up')
  // Our SETTINGS as aioquic read them: no dynamic table, extended CONNECT, HTTP datagrams.
  assert.equal(out.peer_settings['1'], 0)
  assert.equal(out.peer_settings['8'], 1)
  assert.equal(out.peer_settings['51'], 1)
})

test('aioquic → our HTTP/3 server: 100 requests at once', opts, async (t) => {
  const s = await server(t)
  const requests = Array.from({ length: 100 }, (_, i) =>
    i % 2 === 0
      ? { method: 'GET', path: `/bytes/${1000 + i}` }
      : { method: 'POST', path: '/echo', body_size: 5000 + i },
  )
  const out = await aioquic(s.port, requests)
  assert.equal(out.results.length, 100)
  out.results.forEach((r, i) => {
    assert.equal(r.status, 200, `request ${i}`)
    if (i % 2 === 0) assert.equal(r.sha256, sha256(peerBody(1000 + i)))
    else assert.equal(r.sha256, r.sent_sha256)
  })
})

test('a graceful stop sends GOAWAY and lets the request in flight finish', opts, async (t) => {
  const s = await server(t)
  const pending = aioquic(s.port, [{ method: 'GET', path: '/slow' }])
  // Once the request is being served, stop.
  for (let i = 0; i < 200 && s.inFlight === 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(s.inFlight, 1)
  const before = slowServed
  await s.stop()
  assert.equal(slowServed, before + 1, 'the stop waited for the request in flight')
  const out = await pending
  assert.equal(out.results[0].status, 200)
  assert.equal(out.results[0].sha256, sha256(Buffer.from('slow')))
  // The connection ended with H3_NO_ERROR, if the client was still there to hear it.
  assert.ok(out.closed === null || out.closed.code === 0x100, JSON.stringify(out.closed))
})

test('examples/http3-server.js: its command line, its routes, its graceful stop', opts, async () => {
  const example = await startExampleServer()
  try {
    const out = await aioquic(example.port, [
      { method: 'GET', path: '/' },
      { method: 'GET', path: '/bytes/3000000' },
      { method: 'POST', path: '/echo', body_size: 1048576 },
      { method: 'GET', path: '/nothing' },
    ])
    const [hello, bytes, echo, missing] = out.results
    assert.equal(hello.status, 200)
    assert.equal(hello.sha256, sha256(Buffer.from('hello')))
    assert.equal(bytes.size, 3000000)
    assert.equal(bytes.headers['content-length'], '3000000')
    assert.equal(echo.sha256, echo.sent_sha256)
    assert.equal(missing.status, 404)
  } finally {
    assert.equal(await example.stop(), 0)
  }
})

/** aioquic's HTTP/3 server (h3_peer.py server), stopped after the test. @param {import('node:test').TestContext} t */
async function aioquicServer(t) {
  return (await startPeerServer(t, peer, ['server', '--cert', fx('server-ec.crt'), '--key', fx('server-ec.key')])).port
}

test('our fetch → aioquic HTTP/3 server: GET, 1 MiB both ways, 100 at once on one connection', opts, async (t) => {
  const port = await aioquicServer(t)
  const client = new Http3Client({ ca: fixtures.ca })
  t.after(() => client.close())
  const base = `https://localhost:${port}`
  const hello = await client.fetch(`${base}/`)
  assert.equal(hello.status, 200)
  assert.equal(hello.headers.get('x-served-by'), 'aioquic')
  assert.equal(await hello.text(), 'hello')
  const bytes = await client.fetch(`${base}/bytes/1048576`)
  assert.ok(Buffer.from(await bytes.arrayBuffer()).equals(peerBody(1048576)))
  const body = crypto.randomBytes(1048576)
  const echo = await client.fetch(`${base}/echo`, { method: 'POST', body })
  assert.ok(Buffer.from(await echo.arrayBuffer()).equals(body))
  const all = await Promise.all(Array.from({ length: 100 }, (_, i) => client.fetch(`${base}/bytes/${i}`)))
  for (const [i, r] of all.entries()) assert.ok(Buffer.from(await r.arrayBuffer()).equals(peerBody(i)))
  assert.equal(client.pool.size, 1, 'one connection for the origin')
  assert.equal((await client.fetch(`${base}/missing`)).status, 404)
})

test('our fetch ↔ our server: streamed bodies, response trailers, abort, GOAWAY then a new connection', async (t) => {
  const s = await server(t)
  const client = new Http3Client({ ca: fixtures.ca })
  t.after(() => client.close())
  const base = `https://localhost:${s.port}`
  // A request body streamed from a ReadableStream, echoed with its trailers.
  let sent = 0
  const chunks = 64
  const streamed = new ReadableStream({
    pull(controller) {
      if (sent === chunks) return controller.close()
      controller.enqueue(peerBody(16 * 1024).subarray(0, 16 * 1024))
      sent++
    },
  })
  const echo = await client.fetch(`${base}/echo`, {
    method: 'POST',
    body: streamed,
    // @ts-expect-error Node's fetch wants this for a streamed body; the DOM type lacks it.
    duplex: 'half',
  })
  assert.equal(echo.headers.get('x-length'), String(chunks * 16 * 1024))
  assert.equal((await echo.arrayBuffer()).byteLength, chunks * 16 * 1024)
  // An aborted request rejects with the signal's reason.
  const ac = new AbortController()
  const slow = client.fetch(`${base}/slow`, { signal: ac.signal })
  setTimeout(() => ac.abort(new Error('gave up')), 50)
  await assert.rejects(slow, /gave up/)
  // The server goes away gracefully; the next request takes a new connection.
  const first = await client.pool.get(new URL(base).origin)
  for (const h3 of s.connections) h3.goaway()
  for (let i = 0; i < 100 && first?.h3.goawayReceived === null; i++) await new Promise((r) => setTimeout(r, 10))
  assert.notEqual(first?.h3.goawayReceived, null, 'the client heard the GOAWAY')
  const after = await client.fetch(`${base}/trailers`)
  assert.equal(await after.text(), 'with trailers')
  assert.equal((await /** @type {any} */ (after).trailers).get('x-digest'), 'abc')
  const second = await client.pool.get(new URL(base).origin)
  assert.notEqual(second, first, 'a new connection after the GOAWAY')
})

test(
  "Node's own fetch with an Http3Dispatcher → aioquic's HTTP/3 server: GET, a 1 MiB POST, a streamed PUT",
  opts,
  async (t) => {
    const port = await aioquicServer(t)
    const dispatcher = new Http3Dispatcher({ ca: fixtures.ca })
    t.after(() => dispatcher.close())
    const base = `https://localhost:${port}`
    const init = /** @type {any} */ ({ dispatcher })
    const hello = await fetch(`${base}/`, init)
    assert.equal(hello.status, 200)
    assert.equal(hello.headers.get('x-served-by'), 'aioquic')
    assert.equal(await hello.text(), 'hello')
    const body = crypto.randomBytes(1048576)
    const echo = await fetch(`${base}/echo`, { ...init, method: 'POST', body })
    assert.ok(Buffer.from(await echo.arrayBuffer()).equals(body))
    const streamed = await fetch(`${base}/echo`, {
      ...init,
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          c.enqueue(Buffer.from('streamed '))
          c.enqueue(Buffer.from('body'))
          c.close()
        },
      }),
      duplex: 'half',
    })
    assert.equal(await streamed.text(), 'streamed body')
    const bytes = await fetch(`${base}/bytes/300000`, init)
    assert.ok(Buffer.from(await bytes.arrayBuffer()).equals(peerBody(300000)))
  },
)

test(
  'a node:http2-style (req, res) handler through compat(): aioquic requests, bodies piped, trailers',
  opts,
  async (t) => {
    const s = new Http3Server({
      key: fixtures.ec.key,
      cert: fixtures.ec.cert,
      handler: compat((req, res) => {
        if (req.url === '/echo' && req.method === 'POST') {
          res.setHeader('x-method', req.method)
          res.addTrailers({ 'x-done': 'yes' })
          req.pipe(res)
          return
        }
        if (req.url === '/empty') {
          res.writeHead(204).end()
          return
        }
        res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/plain' })
        res.end(req.url === '/' ? `hello ${req.headers['user-agent'] ?? 'nobody'}` : 'missing')
      }),
    })
    await s.start({ host: '127.0.0.1', port: 0 })
    t.after(() => s.stop({ force: true }))
    const out = await aioquic(s.port, [
      { method: 'GET', path: '/', headers: { 'user-agent': 'aioquic' } },
      { method: 'POST', path: '/echo', body_size: 1048576 },
      { method: 'GET', path: '/empty' },
      { method: 'GET', path: '/nope' },
    ])
    const [hello, echo, empty, missing] = out.results
    assert.equal(hello.status, 200)
    assert.equal(hello.headers['content-type'], 'text/plain')
    assert.equal(hello.sha256, sha256(Buffer.from('hello aioquic')))
    assert.equal(echo.status, 200)
    assert.equal(echo.headers['x-method'], 'POST')
    assert.equal(echo.sha256, echo.sent_sha256)
    assert.deepEqual(echo.trailers, { 'x-done': 'yes' })
    assert.equal(empty.status, 204)
    assert.equal(empty.size, 0)
    assert.equal(missing.status, 404)
  },
)

test("aioquic's requests with priority fields: each handler sees its request's priority", opts, async (t) => {
  const s = new Http3Server({
    key: fixtures.ec.key,
    cert: fixtures.ec.cert,
    handler: (_request, info) => new Response(JSON.stringify(info.priority)),
  })
  await s.start({ host: '127.0.0.1', port: 0 })
  t.after(() => s.stop({ force: true }))
  const fields = [null, 'u=0', 'u=6, i', 'i']
  const out = await aioquic(
    s.port,
    fields.map((f) => ({ method: 'GET', path: '/', headers: f === null ? {} : { priority: f } })),
  )
  const expect = [
    { urgency: 3, incremental: false },
    { urgency: 0, incremental: false },
    { urgency: 6, incremental: true },
    { urgency: 3, incremental: true },
  ]
  for (const [i, r] of out.results.entries()) {
    assert.equal(r.sha256, sha256(Buffer.from(JSON.stringify(expect[i]))), `request ${i}`)
  }
})
