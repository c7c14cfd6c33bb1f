// @ts-check
'use strict'
// Client-side connection migration (RFC 9000 §9): a connected client moves to a new local port
// mid-transfer (`connection.migrate()`, or `socket.rebind()` for every client on a socket), on a
// fresh connection id, with the new path validated; against this library's server, aioquic's
// and quinn's (tests/interop/quinn-peer). And the cases that cannot move fail with ErrorQUICConnectionMigrate.
const test = require('node:test')
const assert = require('node:assert/strict')
const { QUICSocket, errors, events } = require('../index.js')
const { startServer, connect, onServerStreams, readAll, pattern, fixtures } = require('./helpers/quic.js')
const { hasPython, startAioquicServer, fx } = require('./helpers/aioquic.js')
const { quinnPeer, startQuinnServer } = require('./helpers/quinn.js')

/** Until the peer has issued a spare connection id (right after the handshake). @param {any} conn */
async function spareId(conn) {
  for (let i = 0; i < 100 && conn.native.migrationBlocker() != null; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(conn.native.migrationBlocker(), null)
}

/** Echoes every stream the server gets. @param {import('../index').QUICServer} server */
const echoServer = (server) => onServerStreams(server, (s) => s.readable.pipeTo(s.writable).catch(() => {}))

/**
 * Writes `data` in two halves on a new stream, calling `between` after the first; resolves with
 * what came back.
 * @param {import('../index').QUICConnection} conn @param {Buffer} data @param {() => Promise<void>} between
 */
async function echoAcross(conn, data, between) {
  const s = conn.newStream()
  const back = readAll(s.readable)
  const w = s.writable.getWriter()
  await w.write(data.subarray(0, data.length / 2))
  await between()
  await w.write(data.subarray(data.length / 2))
  await w.close()
  return back
}

test('a client migrates mid-transfer: new port, new connection id, the server follows', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  /** @type {Array<{ host: string, port: number }>} */
  const serverSaw = []
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    const conn = /** @type {any} */ (e).detail
    conn.addEventListener(events.EventQUICConnectionPeerMigrated.name, (/** @type {any} */ pe) =>
      serverSaw.push(pe.detail),
    )
  })
  const client = await connect(t, server.port)
  const conn = client.connection
  const before = { port: conn.localPort, dcid: Buffer.from(conn.native.destinationId()) }
  const data = pattern(4 * 1024 * 1024, 7)
  const back = await echoAcross(conn, data, () => conn.migrate())
  assert.ok(back.equals(data), 'the echo is byte-exact across the move')
  assert.notEqual(conn.localPort, before.port)
  assert.equal(client.socket.port, conn.localPort)
  assert.ok(!Buffer.from(conn.native.destinationId()).equals(before.dcid), 'a fresh connection id on the new path')
  assert.deepEqual(
    serverSaw.map((p) => p.port),
    [conn.localPort],
  )
  // And it keeps working there.
  const again = pattern(64 * 1024, 8)
  assert.ok((await echoAcross(conn, again, async () => {})).equals(again))
})

test('socket.rebind() moves every client on a shared socket', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const socket = new QUICSocket()
  await socket.start({ host: '127.0.0.1', port: 0 })
  t.after(() => socket.stop({ force: true }))
  const clients = []
  for (let i = 0; i < 3; i++) clients.push(await connect(t, server.port, { socket }))
  // Each needs a spare connection id from the server, which follows the handshake.
  for (const c of clients) await spareId(c.connection)
  const oldPort = socket.port
  await assert.rejects(clients[0].connection.migrate(), errors.ErrorQUICConnectionMigrate)
  await socket.rebind()
  assert.notEqual(socket.port, oldPort)
  const data = pattern(256 * 1024, 3)
  const backs = await Promise.all(clients.map((c) => echoAcross(c.connection, data, async () => {})))
  for (const b of backs) assert.ok(b.equals(data))
  for (const c of clients) assert.equal(c.connection.localPort, socket.port)
})

test('what cannot move says so', async (t) => {
  const server = await startServer(t)
  /** @type {Promise<any>} */
  const serverConn = new Promise((resolve) =>
    server.addEventListener(events.EventQUICServerConnection.name, (e) => resolve(/** @type {any} */ (e).detail)),
  )
  const client = await connect(t, server.port)
  const sc = await serverConn
  await assert.rejects(sc.migrate(), errors.ErrorQUICConnectionMigrate)
  await assert.rejects(server.socket.rebind(), errors.ErrorQUICConnectionMigrate)
  // A peer that disabled active migration: refused before anything moves; the connection works on.
  const server2 = await startServer(t, { config: { disableActiveMigration: true } })
  echoServer(server2)
  const pinned = await connect(t, server2.port)
  const port = pinned.connection.localPort
  await assert.rejects(pinned.connection.migrate(), (e) => {
    assert.ok(e instanceof errors.ErrorQUICConnectionMigrate)
    assert.match(/** @type {Error} */ (e).message, /disabled active migration/)
    return true
  })
  assert.equal(pinned.connection.localPort, port)
  const data = pattern(64 * 1024, 2)
  assert.ok((await echoAcross(pinned.connection, data, async () => {})).equals(data))
  await client.destroy()
})

test('our client migrates against aioquic: the transfer completes on the new path', {
  skip: !hasPython && 'no Python',
}, async (t) => {
  const aioquic = await startAioquicServer()
  t.after(aioquic.stop)
  const client = await connect(t, aioquic.port, { config: { ca: fixtures.ca, applicationProtos: ['quic-interop'] } })
  const conn = client.connection
  const oldPort = conn.localPort
  const data = pattern(2 * 1024 * 1024, 11)
  const back = await echoAcross(conn, data, () => conn.migrate())
  assert.ok(back.equals(data))
  assert.notEqual(conn.localPort, oldPort)
  const stats = conn.native.pathStats()
  assert.ok(
    stats.some((p) => p.local.port === conn.localPort && p.active),
    `the active path is the new one: ${JSON.stringify(stats)}`,
  )
})

test('our client migrates against quinn: the server follows to the new address', async (t) => {
  const peer = quinnPeer()
  if (peer.binary === null) {
    // Loud, and a failure in CI, where cargo and crates.io are there.
    assert.fail(`the quinn peer could not be built: ${peer.why}`)
  }
  const quinn = await startQuinnServer(peer.binary, fx('server-ec.crt'), fx('server-ec.key'))
  t.after(quinn.stop)
  const client = await connect(t, quinn.port, { config: { ca: fixtures.ca, applicationProtos: ['quic-interop'] } })
  const conn = client.connection
  /** What quinn says the client's address is now. */
  const seen = async () => {
    const s = conn.newStream()
    await s.end(Buffer.from('addr?'))
    return (await readAll(s.readable)).toString()
  }
  assert.equal(await seen(), `127.0.0.1:${conn.localPort}`)
  const oldPort = conn.localPort
  const data = pattern(2 * 1024 * 1024, 13)
  await spareId(conn)
  const back = await echoAcross(conn, data, () => conn.migrate())
  assert.ok(back.equals(data))
  assert.notEqual(conn.localPort, oldPort)
  assert.equal(await seen(), `127.0.0.1:${conn.localPort}`, 'quinn follows the migration')
})
