// @ts-check
'use strict'
// Transfers and handshakes through a lossy relay: loss, duplication, reordering, corruption.
const test = require('node:test')
const assert = require('node:assert/strict')
const { errors, events } = require('../index.js')
const { startServer, connect, echoServer, readAll, writeAll, pattern, once, sleep } = require('./helpers/quic.js')
const { LossyRelay } = require('./helpers/lossy-relay.js')

const MiB = 1024 * 1024

/**
 * A server behind a relay with `impairment`, and an echo round trip of `size` bytes through it.
 * @param {import('node:test').TestContext} t
 * @param {import('./helpers/lossy-relay.js').Impairment} impairment
 */
async function echoThrough(t, impairment, size = MiB) {
  const server = await startServer(t)
  echoServer(server)
  const relay = new LossyRelay(server.port, impairment)
  const port = await relay.start()
  t.after(() => relay.close())
  const client = await connect(t, port, {}, { timer: 20_000 })
  const s = client.connection.newStream()
  const data = pattern(size, impairment.seed ?? 1)
  const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data, 64 * 1024)])
  assert.ok(back.equals(data), 'the echo differs')
  return { relay, client }
}

for (const [name, impairment] of /** @type {const} */ ([
  ['5 % loss', { drop: 0.05, seed: 11 }],
  ['20 % loss', { drop: 0.2, seed: 12 }],
  ['reordering and duplication', { reorder: 0.1, duplicate: 0.05, seed: 13 }],
  ['1 % corruption', { corrupt: 0.01, seed: 14 }],
  [
    'everything at once with 5 ms delay',
    { drop: 0.05, reorder: 0.05, duplicate: 0.02, corrupt: 0.01, delayMs: 5, seed: 15 },
  ],
])) {
  test(`1 MiB echoed byte-exact through ${name}`, async (t) => {
    const { relay } = await echoThrough(t, impairment)
    const { forwarded, dropped, reordered, duplicated, corrupted } = relay.stats
    assert.ok(forwarded > 0)
    if (impairment.drop) assert.ok(dropped > 0, 'nothing was dropped')
    if ('reorder' in impairment && impairment.reorder) assert.ok(reordered > 0 && duplicated > 0)
    if (impairment.corrupt) assert.ok(corrupted > 0, 'nothing was corrupted')
  })
}

test('handshakes complete through 30 % loss', async (t) => {
  let dropped = 0
  for (let seed = 21; seed < 26; seed++) {
    const { client, relay } = await echoThrough(t, { drop: 0.3, seed }, 1000)
    assert.equal(client.connection.closed, false)
    dropped += relay.stats.dropped
  }
  assert.ok(dropped >= 5, `only ${dropped} datagrams were dropped`)
})

test('a blackholed peer ends in an idle-timeout error, not a hang', async (t) => {
  const server = await startServer(t, { config: { maxIdleTimeout: 500 } })
  echoServer(server)
  const relay = new LossyRelay(server.port, {})
  const port = await relay.start()
  t.after(() => relay.close())
  const client = await connect(t, port, { config: { maxIdleTimeout: 500 } })
  relay.impairment = { drop: 1 }
  const s = client.connection.newStream()
  const w = s.writable.getWriter()
  const writing = w.write(pattern(64 * 1024)).then(() => w.close())
  const ev = await once(client.connection, events.EventQUICConnectionError.name, 5000)
  assert.ok(ev.detail instanceof errors.ErrorQUICConnectionIdleTimeout, String(ev.detail))
  await assert.rejects(writing)
})

test("NAT rebinding: the client's port changes mid-transfer and the transfer completes", async (t) => {
  const server = await startServer(t)
  echoServer(server)
  /** @type {Promise<any>} */
  const serverConn = new Promise((r) =>
    server.addEventListener(events.EventQUICServerConnection.name, (e) => r(/** @type {any} */ (e).detail)),
  )
  const relay = new LossyRelay(server.port, {})
  const port = await relay.start()
  t.after(() => relay.close())
  const client = await connect(t, port)
  const conn = await serverConn
  const oldPort = conn.remotePort
  const migrated = once(conn, events.EventQUICConnectionPeerMigrated.name, 10_000)
  const s = client.connection.newStream()
  const data = pattern(4 * MiB, 31)
  const echoed = readAll(s.readable)
  const w = s.writable.getWriter()
  await w.write(data.subarray(0, MiB))
  const newPort = await relay.rebind()
  for (let off = MiB; off < data.length; off += MiB) await w.write(data.subarray(off, off + MiB))
  await w.close()
  assert.ok((await echoed).equals(data), 'the echo differs')
  const ev = await migrated
  assert.equal(ev.detail.port, newPort)
  assert.equal(conn.remotePort, newPort)
  assert.notEqual(newPort, oldPort)
})

test('diagnostics_channel: connection, stream and path life cycles, as tracing tools see them', async (t) => {
  const dc = require('node:diagnostics_channel')
  /** @type {string[]} */
  const seen = []
  /** @type {Array<[string, (m: any) => void]>} */
  const subs = []
  for (const name of [
    'connection:created',
    'connection:started',
    'connection:closed',
    'stream:created',
    'stream:closed',
  ]) {
    const fn = (/** @type {any} */ m) => seen.push(`${name} ${m.connection?.type ?? m.stream?.initiated}`)
    dc.subscribe(`quic:${name}`, fn)
    subs.push([`quic:${name}`, fn])
  }
  const pathFn = (/** @type {any} */ m) => seen.push(`path:event ${m.connection.type} ${m.event.type}`)
  dc.subscribe('quic:path:event', pathFn)
  subs.push(['quic:path:event', pathFn])
  t.after(() => {
    for (const [name, fn] of subs) dc.unsubscribe(name, fn)
  })
  const server = await startServer(t)
  echoServer(server)
  const relay = new LossyRelay(server.port, {})
  const port = await relay.start()
  t.after(() => relay.close())
  const client = await connect(t, port)
  const s = client.connection.newStream()
  await s.write(Buffer.from('x'))
  await relay.rebind()
  await s.end(Buffer.from('y'))
  for (let chunk = await s.read(); chunk != null; chunk = await s.read());
  await client.destroy()
  for (let i = 0; i < 200 && !seen.includes('connection:closed server'); i++) await sleep(10)
  for (const want of [
    'connection:created client',
    'connection:created server',
    'connection:started client',
    'connection:started server',
    'stream:created local',
    'stream:created peer',
    'stream:closed local',
    'path:event server peerMigrated',
    'connection:closed client',
    'connection:closed server',
  ]) {
    assert.ok(seen.includes(want), `${want} not seen in ${JSON.stringify(seen)}`)
  }
})
