// @ts-check
'use strict'
// Hostile input and resources: amplification before address validation, mutated datagrams at a
// live server, peers that never read, killed peers, sockets closed under connections, leaks.
const test = require('node:test')
const assert = require('node:assert/strict')
const dgram = require('node:dgram')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { QUICSocket, QUICClient, native, createNativeConfig, errors, events } = require('../index.js')
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
const { LossyRelay, prng } = require('./helpers/lossy-relay.js')

const MiB = 1024 * 1024

/** A real client Initial (1200+ bytes) from a native connection nobody will complete. */
function clientInitial() {
  const config = createNativeConfig({ applicationProtos: ['quic'], verifyPeer: false })
  const conn = native.Connection.connect(
    config,
    'localhost',
    native.generateConnectionId(),
    native.encodeAddress('127.0.0.1', 1),
    native.encodeAddress('127.0.0.1', 2),
  )
  const out = Buffer.alloc(1500)
  const meta = new Uint32Array(3)
  conn.send(out, meta)
  return Buffer.from(out.subarray(0, meta[1]))
}

test('amplification: before the client proves its address the server sends at most 3× what it got', async (t) => {
  const server = await startServer(t, { retry: false, config: { maxIdleTimeout: 3000 } })
  const spoofed = dgram.createSocket('udp4')
  t.after(() => spoofed.close())
  let received = 0
  spoofed.on('message', (m) => (received += m.length))
  await new Promise((r) => spoofed.bind(0, '127.0.0.1', () => r(undefined)))
  const initial = clientInitial()
  spoofed.send(initial, server.port, '127.0.0.1')
  // Long enough for the server's handshake retransmissions (PTO backoff) to try to exceed the limit.
  await sleep(2500)
  assert.ok(received > 0, 'the server did not answer at all')
  assert.ok(
    received <= 3 * initial.length,
    `sent ${received} bytes for ${initial.length} received (${(received / initial.length).toFixed(2)}×)`,
  )
})

test('mutated datagrams (seeded, 3,000 cases) at a server with live connections: it keeps serving', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  /** @type {Buffer[]} */
  const seen = []
  const relay = new LossyRelay(server.port, {})
  const origEmit = relay.emit.bind(relay)
  relay.emit = (msg, port) => {
    if (seen.length < 200) seen.push(Buffer.from(msg))
    origEmit(msg, port)
  }
  const port = await relay.start()
  t.after(() => relay.close())
  const client = await connect(t, port)
  const s = client.connection.newStream()
  await Promise.all([readAll(s.readable), writeAll(s.writable, pattern(100_000))])
  /** @type {Event[]} */
  const internal = []
  server.socket.addEventListener(events.EventQUICSocketError.name, (e) => internal.push(e))
  server.addEventListener(events.EventQUICServerError.name, (e) => internal.push(e))
  const seed = Number(process.env.FUZZ_SEED ?? 7)
  const random = prng(seed)
  const attacker = dgram.createSocket('udp4')
  t.after(() => attacker.close())
  await new Promise((r) => attacker.bind(0, '127.0.0.1', () => r(undefined)))
  for (let i = 0; i < 3000; i++) {
    const base = seen[Math.floor(random() * seen.length)]
    let m = Buffer.from(base)
    switch (Math.floor(random() * 5)) {
      case 0: // flip bits
        for (let k = 0; k < 1 + random() * 8; k++) m[Math.floor(random() * m.length)] ^= 1 << Math.floor(random() * 8)
        break
      case 1: // truncate
        m = m.subarray(0, Math.floor(random() * m.length))
        break
      case 2: // extend with junk
        m = Buffer.concat([
          m,
          Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256))),
        ])
        break
      case 3: // overwrite the header
        for (let k = 0; k < Math.min(m.length, 30); k++) if (random() < 0.3) m[k] = Math.floor(random() * 256)
        break
      default: // replay as is
    }
    if (m.length === 0) continue
    // Half from the client's own address (through the relay), half from elsewhere.
    if (random() < 0.5) relay.socket.send(m, server.port, '127.0.0.1')
    else attacker.send(m, server.port, '127.0.0.1')
    if (i % 100 === 0) await sleep(1)
  }
  await sleep(300)
  const s2 = client.connection.newStream()
  const [back] = await Promise.all([readAll(s2.readable), writeAll(s2.writable, Buffer.from('still serving'))])
  assert.equal(back.toString(), 'still serving', `seed ${seed}`)
  assert.deepEqual(internal, [], `internal errors with seed ${seed}`)
})

test('a peer that opens streams and never reads cannot grow our memory past the windows', async (t) => {
  const window = 2 * MiB
  const server = await startServer(t, {
    config: {
      initialMaxData: window,
      maxConnectionWindow: window,
      initialMaxStreamDataBidiRemote: 256 * 1024,
      maxStreamWindow: 256 * 1024,
      initialMaxStreamsBidi: 50,
    },
  })
  let opened = 0
  onServerStreams(server, () => opened++) // never read
  const client = await connect(t, server.port)
  let written = 0
  const chunk = Buffer.alloc(64 * 1024)
  for (let i = 0; i < 200; i++) {
    const s = client.connection.newStream()
    const w = s.writable.getWriter()
    void (async () => {
      for (let k = 0; k < 64; k++) {
        await w.write(chunk)
        written += chunk.length
      }
    })().catch(() => {})
  }
  await sleep(1500)
  assert.ok(opened <= 50, `${opened} streams open past a limit of 50`)
  // What the server buffers is bounded by its connection window, whatever the peer tries.
  assert.ok(
    written <= window + 50 * chunk.length,
    `the peer got ${written} bytes accepted past a ${window}-byte window`,
  )
  const conn = [...server.connections][0]
  assert.ok(conn.native.stats().recvBytes < window * 2, 'received far beyond the window')
})

test('a killed peer process: the server side settles with an idle-timeout error', async (t) => {
  const server = await startServer(t, { config: { maxIdleTimeout: 1000 } })
  /** @type {() => void} */
  let sawStream = () => {}
  const streamSeen = new Promise((resolve, reject) => {
    sawStream = () => resolve(undefined)
    setTimeout(() => reject(new Error("the writer's stream never arrived")), 10_000).unref()
  })
  /** @type {Promise<unknown>} */
  const readResult = new Promise((resolve) => {
    onServerStreams(server, async (s) => {
      sawStream()
      try {
        await readAll(s.readable)
        resolve(null)
      } catch (e) {
        resolve(e)
      }
    })
  })
  // Without the test runner's variables: the child is a plain program, not a test file.
  const env = { ...process.env }
  delete env.NODE_TEST_CONTEXT
  const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'writer-process.js'), String(server.port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  })
  t.after(() => child.kill('SIGKILL'))
  await new Promise((resolve, reject) => {
    let out = ''
    /** @type {import('node:stream').Readable} */ const stdout = /** @type {any} */ (child.stdout)
    stdout.on('data', (d) => {
      out += d
      if (out.includes('writing')) resolve(undefined)
    })
    child.once('exit', (code) => reject(new Error(`the writer exited early (${code}): ${out}`)))
  })
  // Killed mid-transfer: once its data is flowing, not before it left the process.
  await streamSeen
  await sleep(100)
  child.kill('SIGKILL')
  const err = await readResult
  assert.ok(err instanceof errors.ErrorQUICConnectionIdleTimeout, String(err))
})

test('the socket closed under live connections: pending reads and writes settle', async (t) => {
  const socket = new QUICSocket()
  await socket.start({ host: '127.0.0.1', port: 0 })
  const server = await startServer(t)
  onServerStreams(server, () => {}) // reads nothing, answers nothing
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: server.port,
    serverName: 'localhost',
    socket,
    config: { ca: fixtures.ca },
  })
  const s = client.connection.newStream()
  const reading = readAll(s.readable)
  const w = s.writable.getWriter()
  const writing = (async () => {
    for (let i = 0; i < 100; i++) await w.write(Buffer.alloc(MiB))
  })()
  await sleep(50)
  const closed = once(client.connection, events.EventQUICConnectionClose.name, 1000)
  await socket.stop({ force: true })
  // Without a socket the connection fails at once (as in 2.x: a local error, nothing sent), and
  // everything pending on it settles.
  const ev = await closed
  assert.ok(ev.detail instanceof errors.ErrorQUICConnectionLocal, String(ev.detail))
  await assert.rejects(reading, errors.ErrorQUICConnectionLocal)
  await assert.rejects(writing, errors.ErrorQUICConnectionLocal)
  assert.equal(socket.connectionMap.size, 0)
  await client.destroy({ force: true })
})

test('server stop with 100 live streams: every pending read and write on both sides settles', async (t) => {
  const server = await startServer(t)
  /** @type {Promise<unknown>[]} */
  const serverSide = []
  onServerStreams(server, (s) => {
    serverSide.push(
      readAll(s.readable).then(
        () => 'end',
        (e) => e,
      ),
    )
  })
  const client = await connect(t, server.port)
  const clientSide = Array.from({ length: 100 }, async () => {
    const s = client.connection.newStream()
    const w = s.writable.getWriter()
    await w.write(Buffer.alloc(1000))
    const reading = readAll(s.readable)
    await reading
  })
  for (let i = 0; i < 100 && serverSide.length < 100; i++) await sleep(10)
  assert.equal(serverSide.length, 100)
  await server.stop({ force: true })
  const settled = await Promise.allSettled(clientSide)
  assert.ok(
    settled.every((r) => r.status === 'rejected'),
    'a client stream did not settle',
  )
  const serverResults = await Promise.all(serverSide)
  assert.ok(
    serverResults.every((r) => r instanceof Error),
    'a server stream did not settle with an error',
  )
})

test('leaks: connect / stream / close cycles leave no routes, timers or growing memory', async (t) => {
  const cycles = Number(process.env.LEAK_CYCLES ?? 500)
  const server = await startServer(t)
  echoServer(server)
  const timers0 = activeTimers()
  const run = async (/** @type {number} */ n) => {
    for (let i = 0; i < n; i++) {
      const c = await QUICClient.createQUICClient({
        host: '127.0.0.1',
        port: server.port,
        serverName: 'localhost',
        config: { ca: fixtures.ca },
      })
      const s = c.connection.newStream()
      await Promise.all([readAll(s.readable), writeAll(s.writable, Buffer.from('x'))])
      await c.destroy()
    }
  }
  await run(Math.min(100, cycles)) // warm up
  global.gc?.()
  const rss0 = process.memoryUsage().rss
  await run(cycles)
  // Closed connections drain for 3 PTOs before their routes go, on both sides.
  for (let i = 0; i < 100 && (server.socket.draining.size > 0 || activeTimers() > timers0); i++) await sleep(20)
  global.gc?.()
  const growth = (process.memoryUsage().rss - rss0) / 1024 / 1024
  console.log(`# leaks: ${cycles} cycles, RSS growth ${growth.toFixed(1)} MiB`)
  assert.equal(server.connections.size, 0)
  assert.equal(server.socket.connectionMap.size, 0)
  assert.ok(activeTimers() <= timers0, 'timers left running')
  assert.ok(growth < 64, `RSS grew ${growth.toFixed(1)} MiB over ${cycles} cycles`)
})
