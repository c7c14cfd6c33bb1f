// @ts-check
'use strict'
// Lifecycles over real UDP on loopback: stopping mid-transfer, idle timeout, keep-alive, a shared
// socket with many clients, hostile datagrams, and nothing left behind.
const test = require('node:test')
const assert = require('node:assert/strict')
const dgram = require('node:dgram')
const { QUICSocket, QUICServer, QUICClient, errors, events } = require('../index.js')
const {
  startServer,
  connect,
  onServerStreams,
  echoServer,
  readAll,
  writeAll,
  pattern,
  once,
  sleep,
  activeTimers,
  fixtures,
} = require('./helpers/quic.js')

const MiB = 1024 * 1024

/**
 * A client writing a large stream to a server that reads it; returns both ends.
 * @param {import('node:test').TestContext} t
 */
async function midTransfer(t) {
  const server = await startServer(t)
  /** @type {Promise<import('../index').QUICStream>} */
  const serverStream = new Promise((resolve) => onServerStreams(server, (s) => resolve(s)))
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const w = s.writable.getWriter()
  const writing = (async () => {
    for (let i = 0; i < 1000; i++) await w.write(Buffer.alloc(MiB))
  })()
  writing.catch(() => {})
  const ss = await serverStream
  const reader = ss.readable.getReader()
  const reading = (async () => {
    for (;;) if ((await reader.read()).done) return
  })()
  reading.catch(() => {})
  await sleep(100)
  return { server, client, clientStream: s, writing, reading, serverConn: [...server.connections][0] }
}

test('forced stop of the server mid-transfer: every pending read and write settles', async (t) => {
  const m = await midTransfer(t)
  const clientError = once(m.client.connection, events.EventQUICConnectionClose.name)
  await m.server.stop({ force: true, isApp: true, errorCode: 42, reason: Buffer.from('going away') })
  await assert.rejects(m.reading)
  const ev = await clientError
  assert.ok(ev.detail instanceof errors.ErrorQUICConnectionPeer, String(ev.detail))
  assert.equal(ev.detail.data.errorCode, 42)
  assert.equal(ev.detail.data.reason.toString(), 'going away')
  await assert.rejects(m.writing, errors.ErrorQUICConnectionPeer)
  assert.equal(m.server.socket.connectionMap.size, 0)
})

test('forced stop of the client mid-transfer: the server side settles too', async (t) => {
  const m = await midTransfer(t)
  const serverClosed = once(m.serverConn, events.EventQUICConnectionClose.name)
  await m.client.destroy({ force: true, isApp: true, errorCode: 7 })
  await assert.rejects(m.writing)
  const ev = await serverClosed
  assert.ok(ev.detail instanceof errors.ErrorQUICConnectionPeer)
  assert.equal(ev.detail.data.errorCode, 7)
  await assert.rejects(m.reading)
})

test('graceful stop waits for open streams to finish', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const data = pattern(2 * MiB)
  const echoed = readAll(s.readable)
  const stopping = client.connection.stop()
  let stopped = false
  void stopping.then(() => (stopped = true))
  await sleep(50)
  assert.equal(stopped, false, 'stopped before the stream finished')
  await writeAll(s.writable, data)
  assert.ok((await echoed).equals(data))
  await stopping
  assert.equal(client.connection.closed, true)
  assert.equal(client.connection.getConnectionError(), undefined, 'a clean close has no error')
})

test('a stopping connection refuses new peer streams (codes from reasonToCode), and its graceful stop ends', async (t) => {
  /** @type {unknown[]} */
  const reasons = []
  const reasonToCode = (/** @type {string} */ _type, /** @type {unknown} */ reason) => {
    reasons.push(reason)
    return 77
  }
  const server = await startServer(t, { reasonToCode })
  /** @type {Promise<import('../index').QUICStream>} */
  const first = new Promise((resolve) => onServerStreams(server, (st) => resolve(st)))
  const client = await connect(t, server.port)
  const a = client.connection.newStream()
  await a.write(Buffer.from('first'))
  const serverStream = await first
  const serverConn = [...server.connections][0]
  const stopping = serverConn.stop()
  await sleep(20)
  // A stream opened while the server stops is refused: the client's write and read end with 77.
  const b = client.connection.newStream()
  await b.write(Buffer.from('late')).catch(() => {})
  const late = await b.read().then(
    () => null,
    (e) => e,
  )
  assert.ok(late instanceof errors.ErrorQUICStreamPeerRead, String(late))
  assert.equal(late.data.code, 77)
  assert.ok(reasons.includes(errors.ErrorQUICConnectionStopping), 'reasonToCode was asked with 2.x reason')
  // The stream that was open finishes, and the graceful stop ends with it.
  assert.equal((await serverStream.read())?.length, 5)
  await serverStream.end()
  await a.end()
  assert.equal(await serverStream.read(), null)
  await stopping
  assert.equal(serverConn.closed, true)
})

test('a graceful stop after the local side cancelled its streams ends at once', async (t) => {
  const server = await startServer(t)
  // The server reads nothing: it never answers for the stream itself.
  onServerStreams(server, () => {})
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  await s.write(Buffer.alloc(4096, 1))
  s.cancel(new Error('not needed'))
  // A finished stream whose bytes may be unacknowledged lingers for a graceful stop; a cancelled
  // one has nothing to deliver and does not.
  const table = /** @type {any} */ (client.connection).table
  assert.equal(table.streams.size, 0)
  assert.equal(table.lingeringCount, 0, 'a stream whose write side was reset lingers')
  const t0 = Date.now()
  await client.connection.stop()
  assert.ok(Date.now() - t0 < 2000, `the graceful stop took ${Date.now() - t0} ms`)
})

test('graceful stop of the server mid-transfer: the transfer completes, then the connection closes cleanly', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const data = pattern(4 * MiB, 9)
  const echoed = readAll(s.readable)
  const w = s.writable.getWriter()
  await w.write(data.subarray(0, MiB))
  const stopping = server.stop()
  for (let off = MiB; off < data.length; off += MiB) await w.write(data.subarray(off, off + MiB))
  await w.close()
  assert.ok((await echoed).equals(data), 'the transfer was cut')
  await stopping
  await client.connection.closedP
  assert.equal(client.connection.getConnectionError(), undefined)
})

test('idle timeout: a silent peer ends in ErrorQUICConnectionIdleTimeout, not a hang', async (t) => {
  const server = await startServer(t, { config: { maxIdleTimeout: 300 } })
  const client = await connect(t, server.port, { config: { maxIdleTimeout: 300 } })
  // Blackhole the client: drop everything it receives from now on.
  const socket = /** @type {any} */ (client).socket
  socket.handleMessage = () => {}
  socket.socket.removeAllListeners('message')
  const ev = await once(client.connection, events.EventQUICConnectionError.name, 3000)
  assert.ok(ev.detail instanceof errors.ErrorQUICConnectionIdleTimeout, String(ev.detail))
})

test('a keep-alive interval not below the idle timeout is refused, as in 2.x', async (t) => {
  const server = await startServer(t)
  for (const keepAliveIntervalTime of [1000, 1500]) {
    await assert.rejects(
      QUICClient.createQUICClient({
        host: '127.0.0.1',
        port: server.port,
        serverName: 'localhost',
        config: { ca: fixtures.ca, maxIdleTimeout: 1000, keepAliveIntervalTime },
      }),
      errors.ErrorQUICConnectionConfigInvalid,
    )
  }
  // No idle timeout (0): any interval will do.
  const client = await connect(t, server.port, { config: { maxIdleTimeout: 0, keepAliveIntervalTime: 5000 } })
  assert.equal(client.connection.closed, false)
})

test('keep-alive holds an idle connection open past its idle timeout', async (t) => {
  const server = await startServer(t, { config: { maxIdleTimeout: 400 } })
  const client = await connect(t, server.port, { config: { maxIdleTimeout: 400, keepAliveIntervalTime: 100 } })
  await sleep(1200)
  assert.equal(client.connection.closed, false)
  assert.equal([...server.connections].length, 1)
})

test("a pause after a native send (GC, a slow machine) never leaves the timer past quiche's deadline", async (t) => {
  const { fast } = require('../src/native.js')
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  const conn = /** @type {any} */ (client.connection)
  const original = fast.flushToFd
  /** @type {string[]} */
  const late = []
  /** @type {typeof fast.flushToFd} */
  const stalling = (handle, fd, max, state) => {
    const n = original(handle, fd, max, state)
    // Stall after quiche measured its timeout, as a GC pause would, then look once the driver
    // has armed its timer from that timeout.
    const until = performance.now() + 15
    while (performance.now() < until) {}
    if (handle === conn.handle) {
      queueMicrotask(() => {
        const d = conn.driver
        const tq = conn.native.timeout()
        if (d.state === 0 && tq != null && tq >= 0 && d.timerAt > performance.now() + tq + 0.5)
          late.push(`timer ${(d.timerAt - performance.now()).toFixed(1)} ms, quiche ${tq.toFixed(1)} ms`)
      })
    }
    return n
  }
  fast.flushToFd = stalling
  t.after(() => {
    fast.flushToFd = original
  })
  const s = client.connection.newStream()
  const data = pattern(256 * 1024, 3)
  const [, echoed] = await Promise.all([writeAll(s.writable, data, 16 * 1024), readAll(s.readable)])
  assert.ok(echoed.equals(data))
  assert.deepEqual(late, [])
})

test('one shared socket: a server and 50 clients, all routed by connection id', async () => {
  const socket = new QUICSocket()
  await socket.start({ host: '127.0.0.1', port: 0 })
  const server = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert }, socket })
  await server.start()
  echoServer(server)
  const clients = await Promise.all(
    Array.from({ length: 50 }, () =>
      QUICClient.createQUICClient({
        host: '127.0.0.1',
        port: socket.port,
        serverName: 'localhost',
        socket,
        config: { ca: fixtures.ca },
      }),
    ),
  )
  const ok = await Promise.all(
    clients.map(async (c, i) => {
      const s = c.connection.newStream()
      const msg = Buffer.from(`client ${i}`)
      const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, msg)])
      return back.equals(msg)
    }),
  )
  assert.ok(ok.every(Boolean))
  assert.equal(server.connections.size, 50)
  // Raw UDP from the same socket (hole punching) reaches a plain UDP peer.
  const peer = dgram.createSocket('udp4')
  await new Promise((r) => peer.bind(0, '127.0.0.1', () => r(undefined)))
  const got = new Promise((r) => peer.once('message', (m) => r(m.toString())))
  await socket.send(Buffer.from('punch'), peer.address().port, '127.0.0.1')
  assert.equal(await got, 'punch')
  peer.close()
  await assert.rejects(socket.stop(), errors.ErrorQUICSocketConnectionsActive)
  await Promise.all(clients.map((c) => c.destroy()))
  await server.stop()
  await socket.stop()
  assert.equal(socket.connectionMap.size, 0)
})

test('garbage datagrams at a running server: it keeps serving and nothing throws', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  const errorsSeen = []
  server.addEventListener(events.EventQUICServerError.name, (e) => errorsSeen.push(e))
  const junk = dgram.createSocket('udp4')
  t.after(() => junk.close())
  let seed = 1234
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0)
  const dcid = client.connection.connectionIdPeer
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(1 + (rnd() % 1400))
    for (let j = 0; j < b.length; j++) b[j] = rnd() >>> 24
    if (i % 3 === 0 && b.length > 21) {
      b[0] = 0x40 | (b[0] & 0x3f)
      b.set(dcid, 1) // aimed at the live connection
    } else if (i % 3 === 1 && b.length >= 1200) {
      b[0] = 0xc0 // a long header: an "Initial" of garbage
      b.writeUInt32BE(1, 1)
      b[5] = 8
    }
    junk.send(b, server.port, '127.0.0.1')
    if (i % 200 === 0) await sleep(1)
  }
  await sleep(200)
  const s = client.connection.newStream()
  const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, Buffer.from('still here'))])
  assert.equal(back.toString(), 'still here')
  assert.equal(client.connection.closed, false)
})

test('a shared socket stopped under a server and a client: each reports it is gone and closes, as in 2.x', async (t) => {
  const socket = new QUICSocket()
  await socket.start({ host: '127.0.0.1' })
  t.after(() => socket.stop({ force: true }))
  const server = new QUICServer({ socket, config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
  await server.start()
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: socket.port,
    socket,
    serverName: 'localhost',
    config: { ca: fixtures.ca },
  })
  /** @type {unknown[]} */
  const serverErrors = []
  /** @type {unknown[]} */
  const clientErrors = []
  server.addEventListener(events.EventQUICServerError.name, (e) => serverErrors.push(/** @type {any} */ (e).detail))
  client.addEventListener(events.EventQUICClientError.name, (e) => clientErrors.push(/** @type {any} */ (e).detail))
  await socket.stop({ force: true })
  await Promise.all([server.closedP, client.closedP])
  assert.ok(serverErrors[0] instanceof errors.ErrorQUICServerSocketNotRunning, String(serverErrors[0]))
  assert.ok(clientErrors[0] instanceof errors.ErrorQUICClientSocketNotRunning, String(clientErrors[0]))
  assert.equal(server.closed, true)
  assert.equal(client.closed, true)
})

test("a server's socket stopped under it: its connections end locally and send nothing, as in 2.x", async (t) => {
  const server = await startServer(t, { config: { maxIdleTimeout: 300 } })
  /** @type {unknown[]} */
  const serverErrors = []
  server.addEventListener(events.EventQUICServerError.name, (e) => serverErrors.push(/** @type {any} */ (e).detail))
  const handedOut = once(server, events.EventQUICServerConnection.name)
  const client = await connect(t, server.port, { config: { maxIdleTimeout: 300 } })
  const serverConn = /** @type {any} */ (await handedOut).detail
  const serverEnd = once(serverConn, events.EventQUICConnectionClose.name)
  const clientEnd = once(client.connection, events.EventQUICConnectionClose.name, 5000)
  await server.socket.stop({ force: true })
  assert.ok(serverErrors[0] instanceof errors.ErrorQUICServerSocketNotRunning, String(serverErrors[0]))
  const local = /** @type {any} */ (await serverEnd).detail
  assert.ok(local instanceof errors.ErrorQUICConnectionLocal, String(local))
  // No CONNECTION_CLOSE could go: the client hears nothing and times out.
  const remote = /** @type {any} */ (await clientEnd).detail
  assert.ok(remote instanceof errors.ErrorQUICConnectionIdleTimeout, String(remote))
})

test('a graceful destroy ends streams the peer finished though nobody reads them; their data stays readable', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const w = s.writable.getWriter()
  await w.write(Buffer.from('echo me'))
  await w.close()
  // As in 2.x: the echo and its FIN arrive while nobody reads; the destroy does not wait for a reader.
  await client.destroy({ force: false })
  assert.equal(s.readState, 'data-read')
  assert.equal((await readAll(s.readable)).toString(), 'echo me')
})

test('a graceful destroy completes once the user destroys the streams it waits on', async (t) => {
  const server = await startServer(t)
  // The server takes the stream but answers nothing until the client is gone.
  onServerStreams(server, () => {})
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const w = s.writable.getWriter()
  await w.write(Buffer.from('question'))
  await w.close()
  const destroyed = client.destroy({ force: false })
  const early = await Promise.race([destroyed.then(() => true), sleep(300).then(() => false)])
  assert.equal(early, false, 'the graceful destroy did not wait for the open stream')
  // STOP_SENDING from here; the server's quiche answers with RESET_STREAM, which must let the
  // stream go (patches/quiche-0.30.0-stream-stopped-reset-collect.patch).
  client.connection.destroyStreams()
  const t0 = Date.now()
  await destroyed
  assert.ok(Date.now() - t0 < 2000, `the destroy took ${Date.now() - t0} ms after the streams went`)
})

test('hole punching: two sockets punching each other both get through; a silent address times out', async (t) => {
  const a = new QUICSocket()
  const b = new QUICSocket()
  await a.start({ host: '127.0.0.1' })
  await b.start({ host: '127.0.0.1' })
  t.after(() => Promise.all([a.stop({ force: true }), b.stop({ force: true })]))
  // b starts later, as a peer told of the punch a little after: a's first datagrams go nowhere.
  const fromA = a.punch('127.0.0.1', b.port, { intervalTime: 20, timeout: 3000 })
  await sleep(50)
  await Promise.all([fromA, b.punch('127.0.0.1', a.port, { intervalTime: 20, timeout: 3000 })])
  assert.equal(/** @type {any} */ (a).punches.size + /** @type {any} */ (b).punches.size, 0)
  // Then a QUIC connection goes through the same pair of sockets.
  const server = new QUICServer({ socket: b, config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
  await server.start()
  t.after(() => server.stop({ force: true }))
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: b.port,
    socket: a,
    serverName: 'localhost',
    config: { ca: fixtures.ca },
  })
  await client.destroy()
  // Nobody answers: a typed timeout, and aborting works too.
  const silent = new QUICSocket()
  await silent.start({ host: '127.0.0.1' })
  t.after(() => silent.stop({ force: true }))
  await assert.rejects(a.punch('127.0.0.1', silent.port, { timeout: 100 }), errors.ErrorQUICSocketPunchTimeout)
  const ac = new AbortController()
  const aborted = a.punch('127.0.0.1', silent.port, { signal: ac.signal })
  ac.abort(new Error('enough'))
  await assert.rejects(aborted, /enough/)
  assert.equal(/** @type {any} */ (a).punches.size, 0)
})

test('the logger option logs life-cycle steps as 2.x does, through child loggers; silent without one', async (t) => {
  /** @type {string[]} */
  const lines = []
  /** @param {string} name @returns {import('../index').QUICLogger} */
  const logger = (name) => ({
    debug: (m) => lines.push(`${name} debug ${m}`),
    info: (m) => lines.push(`${name} info ${m}`),
    warn: (m) => lines.push(`${name} warn ${m}`),
    error: (m) => lines.push(`${name} error ${m}`),
    getChild: (child) => logger(`${name}.${child}`),
  })
  const server = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert }, logger: logger('server') })
  await server.start({ host: '127.0.0.1', port: 0 })
  const accepted = once(server, events.EventQUICServerConnection.name, 5000)
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: server.port,
    serverName: 'localhost',
    config: { ca: fixtures.ca },
    logger: logger('client'),
  })
  await accepted
  await client.destroy()
  await server.stop()
  const has = (/** @type {RegExp} */ re) =>
    assert.ok(
      lines.some((l) => re.test(l)),
      `no line matching ${re} in:\n${lines.join('\n')}`,
    )
  has(/^server info Started QUICServer on 127\.0\.0\.1:\d+$/)
  has(/^server\.QUICSocket info Started QUICSocket/)
  has(/^server info Accepted a connection from 127\.0\.0\.1:\d+$/)
  has(/^server\.QUICConnection info Started QUICConnection/)
  has(/^client info Created QUICClient/)
  has(/^client\.QUICConnection info Stopped QUICConnection$/)
  has(/^client info Destroyed QUICClient$/)
  has(/^server info Stopped QUICServer$/)
  assert.equal(lines.filter((l) => l.includes(' debug ')).length, 0, 'nothing at debug level for a clean run')
  // Without a logger nothing is written anywhere.
  /** @type {string[]} */
  const printed = []
  const methods = /** @type {const} */ (['log', 'info', 'warn', 'error', 'debug'])
  const saved = methods.map((m) => console[m])
  for (const m of methods) console[m] = (/** @type {any[]} */ ...a) => printed.push(a.join(' '))
  try {
    const quiet = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
    await quiet.start({ host: '127.0.0.1', port: 0 })
    const c = await connect(t, quiet.port)
    await c.destroy()
    await quiet.stop()
  } finally {
    methods.forEach((m, i) => {
      console[m] = saved[i]
    })
  }
  assert.deepEqual(printed, [])
})

test('a stopped server (and a stopped socket) starts again and serves, as in 2.x', async (t) => {
  const server = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
  t.after(() => server.stop({ force: true }))
  echoServer(server)
  for (let round = 0; round < 2; round++) {
    await server.start({ host: '127.0.0.1', port: 0 })
    const client = await connect(t, server.port)
    const s = client.connection.newStream()
    const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, Buffer.from('again'))])
    assert.equal(back.toString(), 'again')
    await client.destroy()
    await server.stop()
    assert.equal(server.closed, true)
  }
  const socket = new QUICSocket()
  await socket.start({ host: '127.0.0.1' })
  await socket.stop()
  await socket.start({ host: '127.0.0.1' })
  assert.equal(socket.running, true)
  await socket.stop()
})

test('nothing left behind: no timers, no routes, no listeners after stop', async () => {
  const before = activeTimers()
  const server = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
  await server.start({ host: '127.0.0.1', port: 0 })
  echoServer(server)
  for (let round = 0; round < 5; round++) {
    const client = await QUICClient.createQUICClient({
      host: '127.0.0.1',
      port: server.port,
      serverName: 'localhost',
      config: { ca: fixtures.ca },
    })
    const streams = Array.from({ length: 5 }, () => client.connection.newStream())
    await Promise.all(
      streams.map(async (s) => {
        const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, Buffer.from('x'))])
        assert.equal(back.toString(), 'x')
      }),
    )
    await client.destroy()
    assert.equal(client.connection.streams.size, 0)
  }
  await server.stop()
  assert.equal(server.socket.connectionMap.size, 0)
  assert.equal(server.connections.size, 0)
  await sleep(20)
  assert.equal(activeTimers(), before, 'timers left running')
  assert.ok(!process.getActiveResourcesInfo().includes('UDPWRAP'), 'a UDP socket is still open')
})

test('a graceful stop waiting for open streams ends as soon as the peer closes the connection', async (t) => {
  const server = await startServer(t)
  /** @type {Promise<any>} */
  const serverConn = new Promise((resolve) =>
    server.addEventListener(events.EventQUICServerConnection.name, (e) => resolve(/** @type {any} */ (e).detail), {
      once: true,
    }),
  )
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const w = s.writable.getWriter()
  await w.write(Buffer.from('never finished'))
  const conn = await serverConn
  await once(conn, events.EventQUICConnectionStream.name)
  // The stream stays open: the graceful stop waits for it...
  const t0 = performance.now()
  const stopping = conn.stop()
  await sleep(50)
  // ...until the peer closes the whole connection.
  await client.destroy({ force: true })
  await stopping
  assert.ok(performance.now() - t0 < 5000, `stop took ${performance.now() - t0} ms`)
  assert.equal(conn.closed, true)
})
