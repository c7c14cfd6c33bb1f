// @ts-check
'use strict'
// One simulated run: from its seed, a network (loss, duplication, reordering, corruption, delay,
// jitter, bandwidth, a NAT rebinding) and an echo workload (stream count and size, Web Streams or
// direct calls on each side, cancels by either side, the client's connection destroyed
// mid-transfer); then both sides of the connection, the whole library, run in this process on
// the virtual clock until the workload ends. A run fails when the workload fails, when nothing
// is left to happen while it waits (a stall), when it runs past its virtual time, when a driver
// invariant or anything else throws, or when either side still holds streams afterwards.
const { QUICSocket, QUICServer, QUICClient, events, errors } = require('../../index.js')
const ConnectionDriver = require('../../src/ConnectionDriver.js')
const { lifecycleSymbolsReady } = require('../../src/async-init.js')
const fixtures = require('../helpers/fixtures.js')
const { prng } = require('../helpers/lossy-relay.js')
const { echo, clientStream } = require('../helpers/echo-workload.js')
const { describeConnection } = require('../../scripts/connection-report.js')
const VirtualClock = require('./virtual-clock.js')
const { SimNetwork } = require('./network.js')

/** Virtual time a run may take, and the time its two sides get to let go of every stream. */
const RUN_MS = 300_000
const SETTLE_MS = 30_000
const SERVER = { ip: '10.0.0.1', port: 443 }

/** What a seed makes of a run. @param {number} seed */
function plan(seed) {
  const rnd = prng(seed)
  /** @template T @param {readonly T[]} xs @returns {T} */
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)]
  /** @type {import('./network.js').LinkPlan} */
  const link = {
    loss: pick([0, 0, 0.01, 0.05, 0.1, 0.2]),
    duplicate: rnd() < 0.2 ? 0.02 : 0,
    reorder: rnd() < 0.3 ? pick([0.02, 0.1]) : 0,
    corrupt: rnd() < 0.15 ? 0.01 : 0,
    delayMs: pick([0.2, 2, 10, 40]),
    jitterMs: pick([0, 0, 1, 10]),
    bytesPerMs: pick([0, 0, 125, 1250, 12_500]),
    queueMs: pick([10, 50, 200]),
  }
  return {
    seed,
    link,
    rebindAtMs: rnd() < 0.3 ? Math.floor(rnd() * 600) : -1,
    streams: pick([1, 2, 4, 8, 16]),
    size: pick([0, 100, 5000, 16 * 1024, 64 * 1024, 200 * 1024]),
    web: rnd() < 0.5,
    finWithData: rnd() < 0.5,
    cancels: rnd() < 0.3,
    serverCancels: rnd() < 0.3,
    clientWeb: rnd() < 0.5,
    closeAtMs: rnd() < 0.1 ? Math.floor(rnd() * 400) : -1,
  }
}

/**
 * Runs one seed. Resolves with whether it passed, and when it did not, why and both sides' state.
 * @param {number} seed
 * @param {{ qlogDir?: string }} [opts]
 */
async function runSeed(seed, opts = {}) {
  // The one real wait in the library (loading @matrixai/async-init for 2.x's life-cycle
  // symbols, which a socket's first start awaits) happens before virtual time starts.
  await lifecycleSymbolsReady()
  const p = plan(seed)
  const clock = new VirtualClock()
  clock.install(seed)
  const checking = ConnectionDriver.checking
  ConnectionDriver.checking = true
  const net = new SimNetwork(clock, prng(seed ^ 0x5bd1e995), p.link)
  const clientUdp = net.socket('192.168.1.2', 50_000)
  net.map(clientUdp, '198.51.100.7', 40_000)
  /** @type {string[]} */
  const truncated = []
  /** @type {import('../../index').QUICConnection | null} */
  let serverConn = null
  /** @type {import('../../index').QUICClient | undefined} */
  let client
  const serverSocket = new QUICSocket({ socket: /** @type {any} */ (net.socket(SERVER.ip, SERVER.port)) })
  const clientSocket = new QUICSocket({ socket: /** @type {any} */ (clientUdp) })
  const server = new QUICServer({
    socket: serverSocket,
    config: {
      key: fixtures.ed25519.key,
      cert: fixtures.ed25519.cert,
      applicationProtos: ['sim'],
      maxIdleTimeout: 20_000,
    },
  })
  const workload = (async () => {
    await serverSocket.start()
    await server.start()
    server.addEventListener(events.EventQUICServerConnection.name, (e) => {
      const conn = /** @type {any} */ (e).detail
      serverConn = conn
      // A NAT rebinds mid-connection, after the server's handshake: QUIC runs a handshake on
      // one path (RFC 9000, Section 9) and a server answers a handshake at the address it began on.
      if (p.rebindAtMs >= 0) clock.api.setTimeout(() => net.rebind(clientUdp, '198.51.100.7', 40_001), p.rebindAtMs)
      if (opts.qlogDir) conn.native.setQlog(`${opts.qlogDir}/${seed}-server.sqlog`, 'sim', null)
      conn.addEventListener(events.EventQUICConnectionStream.name, (/** @type {any} */ se) => {
        // The client's side reports the run's failure.
        echo(se.detail, p, truncated).catch(() => {})
      })
    })
    await clientSocket.start()
    client = await QUICClient.createQUICClient({
      host: SERVER.ip,
      port: SERVER.port,
      socket: clientSocket,
      serverName: 'localhost',
      config: {
        ca: fixtures.ca,
        applicationProtos: ['sim'],
        maxIdleTimeout: 20_000,
        // Behind a NAT that may rebind, a client that only waits to read sends nothing, and the
        // server cannot reach it once the old mapping is gone and its one datagram from the new
        // one was lost: the idle timeout is then the transport's right answer. Applications
        // behind NATs send keep-alives, as these clients do.
        ...(p.rebindAtMs >= 0 ? { keepAliveIntervalTime: 1000 } : {}),
      },
    })
    const conn = client.connection
    if (opts.qlogDir) conn.native.setQlog(`${opts.qlogDir}/${seed}-client.sqlog`, 'sim', null)
    const destroyed = p.closeAtMs >= 0
    if (destroyed) clock.api.setTimeout(() => client?.destroy({ force: true }).catch(() => {}), p.closeAtMs)
    const work = Array.from({ length: p.streams }, (_, i) => clientStream(conn, p, i, seed * 100 + i, () => {}))
    // With the connection destroyed, streams fail: only that they all settle counts.
    if (destroyed) await Promise.allSettled(work)
    else await Promise.all(work)
    // Nothing left behind: both sides let go of every stream. A server whose client was destroyed
    // waits for the CONNECTION_CLOSE, or its idle timeout if that was lost.
    const serverHeld = () => (destroyed ? 0 : /** @type {any} */ (serverConn?.streams.size ?? 0))
    const until = clock.t + SETTLE_MS
    while (serverHeld() > 0 || conn.streams.size > 0) {
      if (clock.t > until)
        throw new Error(`the server still holds ${serverHeld()} streams, the client ${conn.streams.size}`)
      await new Promise((resolve) => clock.api.setTimeout(() => resolve(undefined), 50))
    }
    if (truncated.length > 0) throw new Error(`the server read truncated streams as complete: ${truncated.join('; ')}`)
  })()
  /** @type {unknown} */
  let failure
  workload.catch((e) => {
    failure = e
  })
  const outcome = await clock.runUntil(workload, RUN_MS)
  let why = ''
  /** What kind of failure: a stall, a busy loop, a broken invariant (or any other throw), the
   *  workload's own check, or `network`: the connection timed out (the network defeated it,
   *  and the library said so). */
  let kind = ''
  if (outcome === 'stalled') {
    why = `stalled at ${clock.t.toFixed(1)} ms: nothing scheduled while the workload waits`
    kind = 'stall'
  } else if (outcome === 'limit') {
    why = `still running after ${RUN_MS / 1000} virtual s`
    kind = 'stall'
  } else if (outcome === 'steps') {
    why = `busy: ${clock.steps} events by ${clock.t.toFixed(1)} virtual ms`
    kind = 'busy'
  } else if (outcome === 'error') {
    why = `threw: ${errorText(clock.error)}`
    kind = 'threw'
  } else if (failure !== undefined) {
    why = errorText(failure)
    const timedOut =
      failure instanceof errors.ErrorQUICConnectionIdleTimeout || failure instanceof errors.ErrorQUICClientCreateTimeout
    kind = timedOut ? 'network' : 'workload'
  }
  const report =
    why === ''
      ? ''
      : [
          `  plan ${JSON.stringify(p)}`,
          `  client ${describeConnection(client?.connection ?? null)}`,
          `  server ${describeConnection(serverConn)}`,
          `  network ${JSON.stringify(net.stats)}`,
        ].join('\n')
  const result = { seed, ok: why === '', kind, why, report, virtualMs: clock.t, steps: clock.steps }
  // Both sides go, on the same clock, whatever state the run left them in.
  const teardown = (async () => {
    await client?.destroy({ force: true }).catch(() => {})
    await server.stop({ force: true }).catch(() => {})
    await serverSocket.stop({ force: true }).catch(() => {})
  })()
  await clock.runUntil(teardown, clock.t + RUN_MS)
  clock.uninstall()
  ConnectionDriver.checking = checking
  return result
}

/** @param {unknown} e */
function errorText(e) {
  const err = /** @type {Error | undefined} */ (e)
  return err?.stack ?? String(e)
}

module.exports = { plan, runSeed }
