// @ts-check
'use strict'
// Interop with aioquic, an independent QUIC stack, in both directions (tests/interop/aioquic_peer.py,
// run from the virtual environment scripts/setup.sh makes). Skipped, loudly, only without Python.
const test = require('node:test')
const assert = require('node:assert/strict')
const { QUICClient, errors, events } = require('../index.js')
const {
  startServer,
  onServerStreams,
  readAll,
  writeAll,
  pattern,
  once,
  sleep,
  sessionOf,
  fixtures,
} = require('./helpers/quic.js')
const { hasPython, peerScript, fx, startAioquicServer, runPeer } = require('./helpers/aioquic.js')

if (!hasPython) {
  console.error(
    '\n*** interop tests SKIPPED: no Python 3 on this machine (run scripts/setup.sh with python3 installed) ***\n',
  )
}
const ALPN = ['quic-interop']

/**
 * Starts the aioquic echo server; stopped after the test.
 * @param {import('node:test').TestContext} t
 * @param {string[]} [extra]
 */
async function aioquicServer(t, extra = []) {
  const server = await startAioquicServer(extra)
  t.after(server.stop)
  return server.port
}

/**
 * Runs the aioquic client against `port` and returns what it printed.
 * @param {number} port
 * @param {string[]} args
 * @returns {Promise<any>}
 */
function aioquicClient(port, args) {
  return runPeer(peerScript, ['client', '--port', String(port), '--ca', fx('ca.crt'), ...args])
}

/**
 * Our client to an aioquic server.
 * @param {import('node:test').TestContext} t
 * @param {number} port
 * @param {Partial<import('../index').QUICClientOptions>} [opts]
 */
async function ourClient(t, port, opts = {}) {
  const { config, ...rest } = opts
  const c = await QUICClient.createQUICClient(
    {
      host: '127.0.0.1',
      port,
      serverName: 'localhost',
      config: { ca: fixtures.ca, applicationProtos: ALPN, ...config },
      ...rest,
    },
    { timer: 10_000 },
  )
  t.after(() => c.destroy({ force: true }))
  return c
}

/** @param {import('../index').QUICStream} s @param {Buffer} data */
async function echo(s, data) {
  const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data, 256 * 1024)])
  return back
}

const opts = { skip: !hasPython && 'no Python' }

test('our client → aioquic server: handshake, 1 KiB and 8 MiB byte-exact, 100 concurrent streams', opts, async (t) => {
  const port = await aioquicServer(t)
  const c = await ourClient(t, port)
  for (const size of [1024, 8 * 1024 * 1024]) {
    const data = pattern(size, size)
    assert.ok((await echo(c.connection.newStream(), data)).equals(data), `${size} bytes differ`)
  }
  const ok = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const data = pattern(1000 + i, i)
      return (await echo(c.connection.newStream(), data)).equals(data)
    }),
  )
  assert.ok(ok.every(Boolean))
})

test('our client → aioquic server: stateless retry, IPv6, DATAGRAM frames', opts, async (t) => {
  const retryPort = await aioquicServer(t, ['--retry'])
  const c = await ourClient(t, retryPort)
  assert.ok((await echo(c.connection.newStream(), Buffer.from('after retry'))).equals(Buffer.from('after retry')))

  const v6Port = await aioquicServer(t, ['--host', '::1'])
  const c6 = await ourClient(t, v6Port, { host: '::1' })
  assert.ok((await echo(c6.connection.newStream(), Buffer.from('v6'))).equals(Buffer.from('v6')))

  const dPort = await aioquicServer(t)
  const cd = await ourClient(t, dPort, { config: { enableDgram: [true, 100, 100] } })
  /** @type {string[]} */
  const got = []
  cd.connection.addEventListener(events.EventQUICConnectionDatagram.name, (/** @type {any} */ e) =>
    got.push(...e.detail.map(String)),
  )
  for (let i = 0; i < 10; i++) cd.connection.sendDatagram(Buffer.from(`d${i}`))
  for (let i = 0; i < 100 && got.length < 10; i++) await sleep(10)
  assert.ok(got.length >= 8, `${got.length} datagrams came back`)
})

test('our client → aioquic server: the server closes with a code and reason, we see both', opts, async (t) => {
  const port = await aioquicServer(t)
  const c = await ourClient(t, port)
  const closed = once(c.connection, events.EventQUICConnectionError.name)
  const w = c.connection.newStream().writable.getWriter()
  await w.write(Buffer.from('close:42:bye now'))
  const ev = await closed
  assert.ok(ev.detail instanceof errors.ErrorQUICConnectionPeer, String(ev.detail))
  assert.equal(ev.detail.data.errorCode, 42)
  assert.equal(ev.detail.data.reason.toString(), 'bye now')
})

/** Stream codes as numbers both ways: a number given as the reason is the code. */
const numericCodes = {
  reasonToCode: (/** @type {string} */ _type, /** @type {unknown} */ reason) =>
    typeof reason === 'number' ? reason : 0,
  codeToReason: (/** @type {string} */ _type, /** @type {number} */ code) => code,
}

/**
 * How each side of `s` ends while this side keeps reading and writing (bounded): the read's and
 * the writes' errors, or null for a side that ended cleanly.
 * @param {import('../index').QUICStream} s
 */
async function sidesEnd(s) {
  const [read, write] = await Promise.allSettled([
    (async () => {
      while ((await s.read()) != null);
    })(),
    (async () => {
      for (let i = 0; i < 200; i++, await sleep(10)) await s.write(Buffer.from('more'))
    })(),
  ])
  return [read, write].map((r) => (r.status === 'rejected' ? r.reason : null))
}

test(
  'our client → aioquic server: a stream the server resets and stops ends both our sides with its code',
  opts,
  async (t) => {
    const port = await aioquicServer(t)
    const c = await ourClient(t, port, numericCodes)
    const s = c.connection.newStream()
    await s.write(Buffer.from('cancel:9'))
    // As in 2.x, both sides fail with what codeToReason gives: here the code itself.
    const [read, write] = await sidesEnd(s)
    assert.equal(read, 9)
    assert.equal(write, 9)
    for (let i = 0; i < 100 && c.connection.streams.size > 0; i++) await sleep(10)
    assert.equal(c.connection.streams.size, 0)
  },
)

test('our client → aioquic server: mutual TLS, and idle timeout', opts, async (t) => {
  const port = await aioquicServer(t, ['--ca', fx('ca.crt')])
  const c = await ourClient(t, port, { config: { ...fixtures.client } })
  assert.ok((await echo(c.connection.newStream(), Buffer.from('mtls'))).equals(Buffer.from('mtls')))

  const idlePort = await aioquicServer(t, ['--idle', '0.5'])
  const ci = await ourClient(t, idlePort, { config: { maxIdleTimeout: 500 } })
  const ev = await once(ci.connection, events.EventQUICConnectionError.name, 5000)
  assert.ok(ev.detail instanceof errors.ErrorQUICConnectionIdleTimeout, String(ev.detail))
})

/**
 * Our echo server for the aioquic client; b"close:<code>:<reason>" closes the connection.
 * @param {import('node:test').TestContext} t
 * @param {Parameters<typeof startServer>[1]} [o]
 */
async function ourServer(t, o = {}) {
  const server = await startServer(t, {
    ...o,
    config: { applicationProtos: ALPN, enableDgram: [true, 100, 100], ...o.config },
  })
  server.addEventListener(events.EventQUICServerConnection.name, (/** @type {any} */ e) => {
    const conn = e.detail
    conn.addEventListener(events.EventQUICConnectionDatagram.name, (/** @type {any} */ de) => {
      for (const d of de.detail) conn.sendDatagram(d)
    })
  })
  onServerStreams(server, async (s, conn) => {
    const reader = s.readable.getReader()
    const writer = s.writable.getWriter()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        const text = Buffer.from(value).toString()
        if (text.startsWith('close:')) {
          const [, code, reason] = text.split(':')
          await conn.stop({ isApp: true, errorCode: Number(code), reason: Buffer.from(reason), force: true })
          return
        }
        await writer.write(value)
      }
      await writer.close()
    } catch {
      // The peer went away.
    }
  })
  return server
}

test('aioquic client → our server: handshake, 1 KiB and 8 MiB, 100 streams, DATAGRAM frames', opts, async (t) => {
  const server = await ourServer(t)
  assert.equal((await aioquicClient(server.port, ['--scenario', 'handshake'])).ok, true)
  assert.deepEqual(await aioquicClient(server.port, ['--scenario', 'echo', '--size', '1024']), { ok: true, size: 1024 })
  assert.deepEqual(await aioquicClient(server.port, ['--scenario', 'echo', '--size', String(8 * 1024 * 1024)]), {
    ok: true,
    size: 8 * 1024 * 1024,
  })
  assert.equal((await aioquicClient(server.port, ['--scenario', 'streams'])).ok, true)
  assert.equal((await aioquicClient(server.port, ['--scenario', 'datagrams'])).ok, true)
})

test(
  'aioquic client → our server: key update, close with code and reason, retry, IPv6, mutual TLS',
  opts,
  async (t) => {
    const server = await ourServer(t)
    assert.equal((await aioquicClient(server.port, ['--scenario', 'keyupdate'])).ok, true)
    assert.deepEqual(await aioquicClient(server.port, ['--scenario', 'close']), {
      ok: true,
      errorCode: 42,
      reason: 'bye',
    })
    const retry = await ourServer(t, { retry: true })
    assert.equal((await aioquicClient(retry.port, ['--scenario', 'echo'])).ok, true)
    const v6 = await ourServer(t, { host: '::1' })
    assert.equal((await aioquicClient(v6.port, ['--host', '::1', '--scenario', 'echo'])).ok, true)
    const mtls = await ourServer(t, { config: { verifyPeer: true, ca: fixtures.ca } })
    assert.equal(
      (await aioquicClient(mtls.port, ['--scenario', 'echo', '--cert', fx('client.crt'), '--key', fx('client.key')]))
        .ok,
      true,
    )
  },
)

test('aioquic client → our server: RESET_STREAM and STOP_SENDING both ways carry their codes', opts, async (t) => {
  const server = await startServer(t, { ...numericCodes, config: { applicationProtos: ALPN } })
  /** @type {unknown[][]} */
  const ends = []
  onServerStreams(server, async (s) => {
    const first = Buffer.from(/** @type {Uint8Array} */ (await s.read())).toString()
    // "cancel:<code>": this side resets and stops the stream; anything else is written back
    // until the client's RESET_STREAM and STOP_SENDING end it.
    if (first.startsWith('cancel:')) s.cancel(Number(first.slice(7)))
    else ends.push(await sidesEnd(s))
  })
  const seen = await aioquicClient(server.port, ['--scenario', 'cancel'])
  // The client's STOP_SENDING (8) is answered with a RESET_STREAM carrying its code.
  assert.deepEqual(seen, { ok: true, a: { reset: 8 }, b: { reset: 9, stop: 9 } })
  for (let i = 0; i < 100 && ends.length === 0; i++) await sleep(10)
  // As in 2.x, both sides fail with what codeToReason gives: here the code itself.
  const [read, write] = ends[0]
  assert.equal(read, 7)
  assert.equal(write, 8)
})

test('aioquic client → our server: idle timeout on both sides', opts, async (t) => {
  const server = await ourServer(t, { config: { maxIdleTimeout: 500 } })
  /** @type {Promise<any>} */
  const serverError = new Promise((resolve) => {
    server.addEventListener(events.EventQUICServerConnection.name, (/** @type {any} */ e) => {
      e.detail.addEventListener(events.EventQUICConnectionError.name, (/** @type {any} */ ee) => resolve(ee.detail))
    })
  })
  const r = await aioquicClient(server.port, ['--scenario', 'idle', '--idle', '0.5'])
  assert.equal(r.ok, true)
  const err = await Promise.race([serverError, sleep(5000).then(() => null)])
  assert.ok(err instanceof errors.ErrorQUICConnectionIdleTimeout, String(err))
})

test('aioquic client → our server: session resumption and 0-RTT data', opts, async (t) => {
  const server = await ourServer(t)
  const r = await aioquicClient(server.port, ['--scenario', 'resume'])
  assert.equal(r.ticket, true, 'no session ticket was issued')
  assert.equal(r.resumed, true)
  assert.equal(r.earlyAccepted, true)
  assert.equal(r.ok, true)
})

test('our client → aioquic server: session resumption and 0-RTT data', opts, async (t) => {
  const port = await aioquicServer(t)
  const first = await ourClient(t, port)
  assert.ok((await echo(first.connection.newStream(), Buffer.from('first'))).equals(Buffer.from('first')))
  const session = await sessionOf(first.connection)
  assert.ok(session != null, 'no session ticket from aioquic')
  await first.destroy()
  const second = await ourClient(t, port, { session, earlyData: true })
  assert.equal(second.connection.native.isInEarlyData(), true, 'not in 0-RTT')
  const back = await echo(second.connection.newStream(), Buffer.from('early'))
  assert.equal(back.toString(), 'early', 'the 0-RTT stream was not echoed')
  assert.equal(second.connection.native.isResumed(), true, 'aioquic did not resume the session')
})

test('NAT rebinding in both directions with aioquic: the transfer completes', opts, async (t) => {
  const { LossyRelay } = require('./helpers/lossy-relay.js')
  // Our client behind a rebinding NAT, to the aioquic server.
  const port = await aioquicServer(t)
  const relay = new LossyRelay(port, {})
  const relayPort = await relay.start()
  t.after(() => relay.close())
  const c = await ourClient(t, relayPort)
  const s = c.connection.newStream()
  const data = pattern(2 * 1024 * 1024, 5)
  const echoed = readAll(s.readable)
  const w = s.writable.getWriter()
  await w.write(data.subarray(0, 512 * 1024))
  await relay.rebind()
  await w.write(data.subarray(512 * 1024))
  await w.close()
  assert.ok((await echoed).equals(data))
  // The aioquic client behind a rebinding NAT, to our server.
  const server = await ourServer(t)
  const relay2 = new LossyRelay(server.port, {})
  const relay2Port = await relay2.start()
  t.after(() => relay2.close())
  /** @type {any} */
  let serverConn = null
  const migrated = new Promise((resolve) => {
    server.addEventListener(events.EventQUICServerConnection.name, (/** @type {any} */ e) => {
      serverConn = e.detail
      e.detail.addEventListener(events.EventQUICConnectionPeerMigrated.name, () => resolve(true))
    })
  })
  let finished = false
  // The client stays connected a while after its echo: a PATH_CHALLENGE lost at the end of the
  // transfer (a socket buffer overflowing under load) is sent again only while it is there.
  const result = aioquicClient(relay2Port, ['--scenario', 'echo', '--size', String(8 * 1024 * 1024), '--linger', '3'])
  result.finally(() => (finished = true)).catch(() => {})
  // Rebind mid-transfer: a fixed delay sometimes fell before Python had sent its first datagram,
  // so the "new" port was the only one the server ever saw.
  for (let i = 0; i < 200 && relay2.stats.forwarded < 500 && !finished; i++) await sleep(25)
  assert.ok(
    relay2.stats.forwarded >= 500 && !finished,
    `not mid-transfer: ${relay2.stats.forwarded} datagrams forwarded`,
  )
  await relay2.rebind()
  const followed = Promise.race([migrated, sleep(5000).then(() => false)])
  assert.equal((await result).ok, true)
  // On failure, the server's paths say how far the migration got (seen once in CI, not here).
  const paths = () =>
    JSON.stringify({
      relay: relay2.stats,
      paths: serverConn?.native.pathStats().map((/** @type {any} */ x) => ({
        active: x.active,
        state: x.validationState,
        peer: x.peer.port,
        sent: x.sent,
        recv: x.recv,
      })),
    })
  assert.equal(await followed, true, `the server did not follow the new address: ${paths()}`)
})

test(
  'our client → lossy aioquic server (5 % and 20 % dropped each way by the peer): 8 × 256 KiB echoed through Web Streams, no stall',
  opts,
  async () => {
    // The case that stalled (issue 15): a stream left queued with nothing to send stopped quiche's
    // send loop (patches/quiche-0.30.0-unflushable-queued.patch). `node scripts/interop-loss.js`
    // runs it for many seeds; these are a slice, each run bounded at 20 s.
    const { run } = require('../scripts/interop-loss.js')
    const failures = []
    for (const [loss, first, runs] of [
      [0.05, 9000, 12],
      [0.2, 9500, 3],
    ]) {
      for (let seed = first; seed < first + runs; seed++) {
        const err = await run({ seed, loss, streams: 8, size: 256 * 1024 })
        if (err != null) failures.push(`seed ${seed} (loss ${loss}): ${err}`)
      }
    }
    assert.deepEqual(failures, [])
  },
)
