// @ts-check
'use strict'
// The two receive paths: the native one (recvmmsg, routed in Rust, one JS call per batch; Linux)
// and dgram's `message` events. Both carry the same traffic; the native one must survive being
// closed from inside its own batch, garbage collection without close, and a worker's exit.
const test = require('node:test')
const assert = require('node:assert/strict')
const dgram = require('node:dgram')
const nodeEvents = require('node:events')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { QUICSocket, QUICServer, QUICClient, events } = require('../index.js')
const native = require('../src/native.js')
const { echoServer, readAll, writeAll, pattern, once, sleep, fixtures } = require('./helpers/quic.js')

const MiB = 1024 * 1024
const linux = process.platform === 'linux'

/**
 * A server and a client, each on its own QUICSocket made with `socketOpts`.
 * @param {import('node:test').TestContext} t
 * @param {ConstructorParameters<typeof QUICSocket>[0]} socketOpts
 */
async function pair(t, socketOpts) {
  const serverSocket = new QUICSocket(socketOpts)
  await serverSocket.start({ host: '127.0.0.1' })
  const clientSocket = new QUICSocket(socketOpts)
  await clientSocket.start({ host: '127.0.0.1' })
  const server = new QUICServer({ socket: serverSocket, config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
  await server.start()
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: serverSocket.port,
    serverName: 'localhost',
    socket: clientSocket,
    config: { ca: fixtures.ca },
  })
  t.after(async () => {
    await client.destroy({ force: true })
    await server.stop({ force: true })
    await clientSocket.stop({ force: true })
    await serverSocket.stop({ force: true })
  })
  return { server, client, serverSocket, clientSocket }
}

for (const batchedRecv of [true, false]) {
  test(`${batchedRecv ? 'native' : 'dgram'} receive path: 4 MiB echoed byte-exact on 20 streams`, async (t) => {
    const { server, client, serverSocket, clientSocket } = await pair(t, { batchedRecv })
    assert.equal(serverSocket.receiver != null, batchedRecv && linux)
    assert.equal(clientSocket.receiver != null, batchedRecv && linux)
    echoServer(server)
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const s = client.connection.newStream()
        const data = pattern(MiB / 5, i + 1)
        const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data, 64 * 1024)])
        return back.equals(data)
      }),
    )
    assert.deepEqual(results, Array(20).fill(true))
    if (serverSocket.receiver != null) {
      // Every datagram came through the receiver; only the first flight was routed in JS. The
      // sender's GSO runs arrive coalesced (UDP GRO) and are split again.
      const { received, segments } = serverSocket.receiver
      assert.ok(segments > 1000, `segments ${segments}`)
      assert.ok(segments > received, `${segments} datagrams in ${received} reads: none coalesced`)
      assert.ok(serverSocket.receiver.routes >= 2, 'the connection ids are routed natively')
    }
  })
}

test('the native receiver is closed with the socket, and its routes go with the connections', {
  skip: !linux,
}, async (t) => {
  const { client, serverSocket, clientSocket } = await pair(t, {})
  const receiver = /** @type {import('../src/native/binding').Receiver} */ (clientSocket.receiver)
  assert.ok(receiver.routes >= 1)
  await client.destroy()
  // On a shared socket the connection drains (absorbing late packets) before its routes go.
  await /** @type {any} */ (client.connection).drain()
  assert.equal(receiver.routes, 0, 'a released connection leaves no route')
  await clientSocket.stop()
  assert.equal(clientSocket.receiver, null)
  // Closing again is harmless, and the other socket's receiver is untouched.
  receiver.close()
  assert.ok(serverSocket.receiver != null)
})

test('a socket stopped from inside a batch (a stream listener) does not crash; the peer sees the connection end', {
  skip: !linux,
}, async (t) => {
  const serverSocket = new QUICSocket()
  await serverSocket.start({ host: '127.0.0.1' })
  const server = new QUICServer({
    socket: serverSocket,
    config: { key: fixtures.ec.key, cert: fixtures.ec.cert, maxIdleTimeout: 1000 },
  })
  await server.start()
  t.after(() => server.stop({ force: true }))
  /** @type {Promise<void>} */
  let stopped = Promise.resolve()
  let fromBatch = false
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    const conn = /** @type {any} */ (e).detail
    conn.addEventListener(events.EventQUICConnectionStream.name, () => {
      // Dispatched synchronously from the batch callback: the receiver closes after it returns.
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 100
      fromBatch = /** @type {string} */ (new Error().stack).includes('handleBatch')
      Error.stackTraceLimit = limit
      stopped = serverSocket.stop({ force: true })
    })
  })
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: serverSocket.port,
    serverName: 'localhost',
    config: { ca: fixtures.ca, maxIdleTimeout: 1000 },
  })
  t.after(() => client.destroy({ force: true }))
  // Past the handshake, so the server announces the stream from the batch, not from an immediate.
  await sleep(100)
  const s = client.connection.newStream()
  const w = s.writable.getWriter()
  await w.write(Buffer.from('hello'))
  await once(client.connection, events.EventQUICConnectionStopped.name, 5000)
  await stopped
  assert.ok(fromBatch, 'the stop ran inside the batch callback')
  assert.equal(serverSocket.receiver, null)
  assert.equal(serverSocket.closed, true)
})

test('a socket handed in keeps its message events (no native receiver)', async (t) => {
  const udp = dgram.createSocket('udp4')
  await new Promise((resolve) => udp.bind(0, '127.0.0.1', () => resolve(undefined)))
  t.after(() => udp.close())
  const socket = new QUICSocket({ socket: udp })
  await socket.start()
  t.after(() => socket.stop({ force: true }))
  assert.equal(socket.receiver, null)
  const got = new Promise((resolve) => udp.once('message', (m) => resolve(m.toString())))
  const sender = dgram.createSocket('udp4')
  sender.send('punch', udp.address().port, '127.0.0.1', () => sender.close())
  assert.equal(await got, 'punch')
})

test('Receiver: bad arguments are typed errors; unmatched datagrams reach JS with their source', {
  skip: !linux,
}, async () => {
  const noop = () => {}
  assert.throws(() => new native.Receiver(-1, 20, new Uint32Array(64), noop), { code: 'ERR_QUIC_INVALID_ARGUMENT' })
  assert.throws(() => new native.Receiver(0, 20, new Uint32Array(8), noop), { code: 'ERR_QUIC_INVALID_ARGUMENT' })
  assert.throws(() => new native.Receiver(0, 21, new Uint32Array(64), noop), { code: 'ERR_QUIC_INVALID_ARGUMENT' })
  const udp = dgram.createSocket('udp4')
  await new Promise((resolve) => udp.bind(0, '127.0.0.1', () => resolve(undefined)))
  const handle = /** @type {any} */ (udp)[
    /** @type {symbol} */ (Object.getOwnPropertySymbols(udp).find((s) => s.description === 'state symbol'))
  ].handle
  const fd = handle.fd
  // As QUICSocket does: dgram stops reading, the receiver takes over.
  assert.equal(handle.recvStop(), 0)
  /** @type {any[]} */
  const batches = []
  const receiver = new native.Receiver(fd, 20, new Uint32Array(64), (/** @type {any[]} */ ...a) => batches.push(a))
  // Unmatched datagrams reach JS with their source; ones too short to hold a connection id do not.
  const sender = dgram.createSocket('udp4')
  await new Promise((resolve) => sender.bind(0, '127.0.0.1', () => resolve(undefined)))
  const junk = Buffer.alloc(40, 0x41)
  sender.send(Buffer.from([0x40]), udp.address().port, '127.0.0.1')
  sender.send(junk, udp.address().port, '127.0.0.1')
  for (let i = 0; i < 100 && batches.length === 0; i++) await sleep(10)
  assert.equal(batches.length, 1)
  const [touched, unmatched, errno] = batches[0]
  assert.equal(touched, 0)
  assert.equal(errno, 0)
  assert.deepEqual(unmatched, [junk, '127.0.0.1', sender.address().port])
  assert.equal(receiver.received, 2)
  sender.close()
  receiver.close()
  udp.close()
})

test('a Receiver dropped without close is closed when collected: its poll handle no longer holds the process', {
  skip: !linux,
}, async () => {
  const { spawn } = require('node:child_process')
  const script = `
    const dgram = require('node:dgram')
    const native = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'native.js'))})
    const udp = dgram.createSocket('udp4')
    udp.bind(0, '127.0.0.1', () => {
      const handle = udp[Object.getOwnPropertySymbols(udp).find((s) => s.description === 'state symbol')].handle
      handle.recvStop()
      new native.Receiver(handle.fd, 20, new Uint32Array(64), () => {})
      udp.close(() => setImmediate(() => global.gc()))
    })
  `
  const child = spawn(process.execPath, ['--expose-gc', '-e', script], { stdio: 'inherit' })
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  const outcome = await Promise.race([exited, sleep(5000).then(() => 'still running')])
  if (outcome === 'still running') child.kill()
  assert.equal(outcome, 0)
})

test('a worker that exits with a native receiver open does not take the process down', { skip: !linux }, async () => {
  const worker = new Worker(
    `
    const { QUICServer } = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))})
    const fixtures = require(${JSON.stringify(path.join(__dirname, 'helpers', 'fixtures.js'))})
    const server = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
    server.start({ host: '127.0.0.1' }).then(() => {
      require('node:worker_threads').parentPort.postMessage(server.socket.receiver != null)
      process.exit(0)
    })
    `,
    { eval: true },
  )
  const exited = nodeEvents.once(worker, 'exit')
  const [hadReceiver] = await nodeEvents.once(worker, 'message', { signal: AbortSignal.timeout(10_000) })
  const [code] = await exited
  assert.equal(hadReceiver, true)
  assert.equal(code, 0)
})

test('a started server keeps the process alive on its own, as a dgram socket would; stopping it lets the process exit', async () => {
  const { spawn } = require('node:child_process')
  const script = `
    const { QUICServer } = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))})
    const fixtures = require(${JSON.stringify(path.join(__dirname, 'helpers', 'fixtures.js'))})
    const server = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert } })
    server.start({ host: '127.0.0.1' }).then(() => console.log(server.socket.receiver != null))
    process.stdin.once('data', () => server.stop())
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
  const out = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(d.toString().trim())))
  assert.equal(out, String(linux))
  // Nothing but the server's socket holds the loop: still alive a while later.
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  const early = await Promise.race([exited, sleep(500).then(() => 'alive')])
  assert.equal(early, 'alive')
  child.stdin.write('stop\n')
  // Stopped: the process ends by itself (stdin is the only other handle, and it is paused).
  child.stdin.end()
  assert.equal(await Promise.race([exited, sleep(5000).then(() => 'still running')]), 0)
})
