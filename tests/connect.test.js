// @ts-check
'use strict'
// Connecting over real UDP on loopback: address families, TLS, timeouts, retry, refusal.
const test = require('node:test')
const assert = require('node:assert/strict')
const dgram = require('node:dgram')
const { QUICClient, QUICServer, QUICSocket, QUICConnectionId, errors, events } = require('../index.js')
const {
  startServer,
  connect,
  echoServer,
  readAll,
  writeAll,
  pattern,
  once,
  sessionOf,
  fixtures,
} = require('./helpers/quic.js')

/** @param {import('../index').QUICClient} client */
async function echoRoundTrip(client, size = 10_000) {
  const s = client.connection.newStream()
  const data = pattern(size)
  const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data)])
  assert.ok(back.equals(data), 'echo differs')
}

test('IPv4: connect, echo, metadata', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  await echoRoundTrip(client)
  const meta = client.connection.meta()
  assert.equal(meta.remoteHost, '127.0.0.1')
  assert.equal(meta.remotePort, server.port)
  assert.equal(meta.remoteCertsChain.length, 1)
  assert.equal(client.connection.type, 'client')
  // As 2.x: each side's own chain is there too; the server's is what the client received.
  const serverConn = [...server.connections][0]
  assert.equal(serverConn.getLocalCertsChain().length, 1)
  assert.ok(Buffer.from(serverConn.meta().localCertsChain[0]).equals(Buffer.from(meta.remoteCertsChain[0])))
  assert.deepEqual(client.connection.getLocalCertsChain(), [], 'a client without a certificate has none')
})

test('IPv6: connect over ::1', async (t) => {
  const server = await startServer(t, { host: '::1' })
  echoServer(server)
  assert.equal(server.socket.type, 'ipv6')
  const client = await connect(t, server.port, { host: '::1' })
  await echoRoundTrip(client)
  assert.equal(client.connection.remoteHost, '::1')
})

test('dual-stack: a server on :: serves an IPv4 client and an IPv6 client', async (t) => {
  const server = await startServer(t, { host: '::' })
  echoServer(server)
  assert.equal(server.socket.type, 'ipv4&ipv6')
  const v4 = await connect(t, server.port, { host: '127.0.0.1' })
  const v6 = await connect(t, server.port, { host: '::1' })
  await Promise.all([echoRoundTrip(v4), echoRoundTrip(v6)])
  const hosts = [...server.connections].map((c) => c.remoteHost).sort()
  assert.deepEqual(hosts, ['::1', '::ffff:127.0.0.1'])
})

test('a wildcard target means this host, as in 2.x: 0.0.0.0, :: and ::ffff:0.0.0.0 reach loopback', async (t) => {
  const server = await startServer(t, { host: '::' })
  echoServer(server)
  for (const host of ['0.0.0.0', '::', '::ffff:0.0.0.0']) {
    const client = await connect(t, server.port, { host, serverName: 'localhost' })
    await echoRoundTrip(client)
  }
  const hosts = [...server.connections].map((c) => c.remoteHost).sort()
  assert.deepEqual(hosts, ['::1', '::ffff:127.0.0.1', '::ffff:127.0.0.1'])
})

test('connection ids as 2.x has them: connectionIdShared is the same on both sides, ids write as hex', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  await echoRoundTrip(client)
  const serverConn = [...server.connections][0]
  const c = client.connection
  assert.ok(c.connectionId instanceof QUICConnectionId)
  assert.equal(c.connectionIdShared.toString(), serverConn.connectionIdShared.toString())
  assert.equal(`${c.connectionId}`, serverConn.connectionIdPeer.toString())
  assert.equal(c.connectionIdPeer.toString(), Buffer.from(serverConn.connectionId).toString('hex'))
  const id = QUICConnectionId.fromString(c.connectionId.toString())
  assert.ok(id.toBuffer().equals(Buffer.from(c.connectionId)))
})

test('IPv4-mapped IPv6 addresses, as in 2.x: an IPv4 socket reaches them, and binding one makes an IPv4 socket', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const v4 = new QUICSocket()
  await v4.start({ host: '127.0.0.1' })
  t.after(() => v4.stop({ force: true }))
  for (const host of ['::ffff:127.0.0.1', '::ffff:7f00:1']) {
    const client = await connect(t, server.port, { host, socket: v4 })
    await echoRoundTrip(client)
    await client.destroy({ force: true })
  }
  const mapped = new QUICSocket()
  await mapped.start({ host: '::ffff:127.0.0.1' })
  t.after(() => mapped.stop({ force: true }))
  assert.equal(mapped.type, 'ipv4')
  const viaMapped = await connect(t, server.port, { host: '127.0.0.1', socket: mapped })
  await echoRoundTrip(viaMapped)
  await viaMapped.destroy({ force: true })
  // An IPv6-only socket cannot reach an IPv4 peer: it says so at once, not after the timeout.
  const v6 = new QUICSocket()
  await v6.start({ host: '::1' })
  t.after(() => v6.stop({ force: true }))
  await assert.rejects(
    QUICClient.createQUICClient({ host: '127.0.0.1', port: server.port, socket: v6, config: { ca: fixtures.ca } }),
    errors.ErrorQUICClientInvalidHost,
  )
})

test('hostnames are resolved through an injectable resolver', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  /** @type {string[]} */
  const asked = []
  const client = await connect(t, server.port, {
    host: 'quic.test',
    serverName: 'localhost',
    resolveHostname: (name) => {
      asked.push(name)
      return '127.0.0.1'
    },
  })
  await echoRoundTrip(client)
  assert.deepEqual(asked, ['quic.test'])
})

test('TLS: RSA, ECDSA and Ed25519 server keys', async (t) => {
  for (const kind of /** @type {const} */ (['rsa', 'ec', 'ed25519'])) {
    const server = await startServer(t, { config: { key: fixtures[kind].key, cert: fixtures[kind].cert } })
    echoServer(server)
    const client = await connect(t, server.port)
    await echoRoundTrip(client, 100)
  }
})

test('TLS: an unknown CA fails the client with ErrorQUICConnectionLocalTLS; the server never sees it', async (t) => {
  const server = await startServer(t)
  let accepted = 0
  server.addEventListener(events.EventQUICServerConnection.name, () => accepted++)
  await assert.rejects(connect(t, server.port, { config: { ca: fixtures.ca2 } }), (e) => {
    assert.ok(e instanceof errors.ErrorQUICConnectionLocalTLS, String(e))
    assert.equal(/** @type {any} */ (e).data.errorCode, 0x100 + 48)
    // The alert in words beside the code: what to fix, not only a number.
    assert.match(String(/** @type {Error} */ (e).message), /code 304 \(TLS alert 48: unknown CA/)
    return true
  })
  assert.equal(accepted, 0)
})

test('TLS: mutual TLS needs a client certificate from the CA', async (t) => {
  const server = await startServer(t, { config: { verifyPeer: true, ca: fixtures.ca } })
  echoServer(server)
  // TLS 1.3: the client is done with its side of the handshake before the server judges its
  // certificate, so the refusal arrives as the connection's error right after it was handed out.
  for (const config of [{}, { ...fixtures.clientCa2 }]) {
    const refused = await connect(t, server.port, { config })
    const ev = await once(refused.connection, events.EventQUICConnectionError.name)
    assert.ok(ev.detail instanceof errors.ErrorQUICConnectionPeerTLS, String(ev.detail))
    await refused.closedP
  }
  assert.equal(server.connections.size, 0)
  const client = await connect(t, server.port, { config: { ...fixtures.client } })
  await echoRoundTrip(client, 100)
  const conn = [...server.connections][0]
  assert.equal(conn.getRemoteCertsChain().length, 1)
})

test('TLS: a custom verifyCallback accepts or rejects, before the connection is handed out', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  /** @type {number[]} */
  const seen = []
  const accept = await connect(t, server.port, {
    config: {
      ca: fixtures.ca2, // would fail normal verification
      verifyCallback: async (certs, ca) => {
        seen.push(certs.length, ca.length)
        return undefined
      },
    },
  })
  await echoRoundTrip(accept, 100)
  assert.deepEqual(seen, [1, 1])
  await assert.rejects(
    connect(t, server.port, { config: { verifyCallback: () => 0x100 + 42 } }),
    (e) => e instanceof errors.ErrorQUICConnectionLocalTLS && /** @type {any} */ (e).data.errorCode === 0x100 + 42,
  )
})

test("TLS: a client's verifyCallback rejecting the server fails the server's connection too, with the code", async (t) => {
  const server = await startServer(t, { config: { maxIdleTimeout: 10_000 } })
  /** @type {Promise<any>} */
  const serverSide = new Promise((resolve) => {
    server.addEventListener(events.EventQUICServerConnection.name, async (e) => {
      const conn = /** @type {any} */ (e).detail
      // As 2.x's tests do: listening only after an await. The close may have come in the same
      // batch as the client's Finished; its events wait for the end of the hand-out's turn.
      await Promise.resolve()
      conn.addEventListener(events.EventQUICConnectionError.name, (/** @type {any} */ ev) => resolve(ev.detail), {
        once: true,
      })
    })
  })
  const t0 = Date.now()
  await assert.rejects(
    connect(t, server.port, { config: { verifyCallback: () => 0x100 + 42 } }),
    errors.ErrorQUICConnectionLocalTLS,
  )
  // As in 2.x: the server hears the client's close (a CONNECTION_CLOSE the server can read once
  // its own handshake is done: in a 1-RTT packet), not its idle timeout.
  const err = await serverSide
  assert.ok(err instanceof errors.ErrorQUICConnectionPeerTLS, String(err))
  assert.equal(err.data.errorCode, 0x100 + 42)
  assert.ok(Date.now() - t0 < 5000, `the server's connection ended after ${Date.now() - t0} ms`)
})

test('connect timeout: a silent port fails with ErrorQUICClientCreateTimeout, and nothing is left', async (t) => {
  const silent = dgram.createSocket('udp4')
  await new Promise((r) => silent.bind(0, '127.0.0.1', () => r(undefined)))
  t.after(() => silent.close())
  const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWRAP').length
  const before = udpSockets()
  const t0 = Date.now()
  await assert.rejects(
    QUICClient.createQUICClient(
      { host: '127.0.0.1', port: silent.address().port, config: { ca: fixtures.ca } },
      { timer: 300 },
    ),
    errors.ErrorQUICClientCreateTimeout,
  )
  assert.ok(Date.now() - t0 < 2000)
  assert.equal(udpSockets(), before, 'the client left its socket open')
})

test('a target the socket cannot send to fails at once with ErrorQUICClientInvalidArgument, as in 2.x', async () => {
  const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWRAP').length
  const before = udpSockets()
  const t0 = Date.now()
  // A socket bound to loopback cannot send off the host (EINVAL on Linux).
  await assert.rejects(
    QUICClient.createQUICClient(
      { host: '192.0.2.1', port: 4433, localHost: '127.0.0.1', config: { ca: fixtures.ca } },
      { timer: 10000 },
    ),
    errors.ErrorQUICClientInvalidArgument,
  )
  assert.ok(Date.now() - t0 < 5000, 'it waited for the connect timeout')
  assert.equal(udpSockets(), before, 'the client left its socket open')
})

test('abort: a signal or cancel() stops connecting', async (t) => {
  const silent = dgram.createSocket('udp4')
  await new Promise((r) => silent.bind(0, '127.0.0.1', () => r(undefined)))
  t.after(() => silent.close())
  const ac = new AbortController()
  const p = QUICClient.createQUICClient(
    { host: '127.0.0.1', port: silent.address().port, config: { ca: fixtures.ca } },
    { signal: ac.signal },
  )
  setTimeout(() => ac.abort(new Error('changed my mind')), 50)
  await assert.rejects(p, /changed my mind/)
  const q = QUICClient.createQUICClient({ host: '127.0.0.1', port: silent.address().port, config: { ca: fixtures.ca } })
  setTimeout(() => q.cancel(new Error('cancelled')), 50)
  await assert.rejects(q, /cancelled/)
})

test('retry: on and off both connect; a forged token is refused with INVALID_TOKEN at once', async (t) => {
  for (const retry of [true, false]) {
    const server = await startServer(t, { retry })
    echoServer(server)
    const client = await connect(t, server.port)
    await echoRoundTrip(client, 100)
  }
  // A client that presents a token the server never minted.
  const server = await startServer(t, { retry: true })
  const other = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert }, retry: true })
  await other.start({ host: '127.0.0.1', port: 0 })
  t.after(() => other.stop({ force: true }))
  // Relay: the client talks to `relay`, which sends the first Initial to `other` (to get a Retry with
  // other's token) and everything after to `server`, which cannot validate that token.
  const relay = dgram.createSocket('udp4')
  await new Promise((r) => relay.bind(0, '127.0.0.1', () => r(undefined)))
  t.after(() => relay.close())
  /** @type {{ port: number, address: string } | null} */
  let clientAddr = null
  let initials = 0
  relay.on('message', (msg, rinfo) => {
    if (rinfo.port === other.port || rinfo.port === server.port) {
      if (clientAddr) relay.send(msg, clientAddr.port, clientAddr.address)
      return
    }
    clientAddr = rinfo
    initials++
    relay.send(msg, initials === 1 ? other.port : server.port, '127.0.0.1')
  })
  const t0 = Date.now()
  await assert.rejects(connect(t, relay.address().port, {}, { timer: 5000 }), (e) => {
    assert.ok(e instanceof errors.ErrorQUICConnectionPeer, String(e))
    assert.equal(/** @type {any} */ (e).data.errorCode, 0xb)
    return true
  })
  assert.ok(Date.now() - t0 < 2000, 'the client was told at once, not left to time out')
})

test('maxConnections: one past the limit is refused with CONNECTION_REFUSED', async (t) => {
  const server = await startServer(t, { maxConnections: 1 })
  echoServer(server)
  await connect(t, server.port)
  await assert.rejects(
    connect(t, server.port),
    (e) => e instanceof errors.ErrorQUICConnectionPeer && /** @type {any} */ (e).data.errorCode === 0x2,
  )
})

test('options: unknown config keys and bad kinds are refused by name', async () => {
  assert.throws(
    () =>
      new QUICServer({
        config: /** @type {any} */ ({ key: fixtures.ec.key, cert: fixtures.ec.cert, maxIdleTimeot: 1 }),
      }),
    (e) => {
      return e instanceof errors.ErrorQUICConfig && e.field === 'maxIdleTimeot'
    },
  )
  assert.throws(() => new QUICServer({ config: /** @type {any} */ ({ key: fixtures.ec.key }) }), errors.ErrorQUICConfig)
  await assert.rejects(
    QUICClient.createQUICClient({ host: '127.0.0.1', port: 1, config: /** @type {any} */ ({ maxIdleTimeout: 'x' }) }),
    (e) => e instanceof errors.ErrorQUICConfig && e.field === 'maxIdleTimeout',
  )
})

test('resumption: a session ticket from one connection resumes the next, handed out in 0-RTT, data echoed', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const first = await connect(t, server.port)
  await echoRoundTrip(first, 100)
  let session = await sessionOf(first.connection)
  assert.ok(session != null, 'no session ticket')
  await first.destroy()
  for (let round = 0; round < 3; round++) {
    const second = await connect(t, server.port, { session, earlyData: true })
    // Handed out right after the first flight, before the server could answer.
    assert.equal(second.connection.native.isInEarlyData(), true, `round ${round}: not in 0-RTT when handed out`)
    await echoRoundTrip(second, 1000)
    assert.equal(second.connection.native.isResumed(), true)
    session = second.connection.native.session() ?? session
    await second.destroy()
  }
})

test('qlogDir: each side writes its connection qlog there, readable while it runs', async (t) => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quic-qlog-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const server = await startServer(t, { config: { qlogDir: dir } })
  const client = await connect(t, server.port, { config: { ca: fixtures.ca, qlogDir: dir } })
  const files = fs.readdirSync(dir).sort()
  assert.equal(files.length, 2, files.join(', '))
  assert.ok(files.some((f) => f.endsWith('-client.sqlog')) && files.some((f) => f.endsWith('-server.sqlog')))
  const first = fs.readFileSync(path.join(dir, files[0]), 'utf8').split('\x1e').filter(Boolean)
  assert.ok(first.length > 1, 'records written as the connection runs')
  assert.equal(JSON.parse(first[0]).serialization_format, 'JSON-SEQ')
  await client.destroy()
})
