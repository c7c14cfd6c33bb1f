// @ts-check
'use strict'
// Soak runs, not part of `npm test`: each run picks, from its seed, an impairment of the lossy
// relay (loss, reordering, duplication, corruption, delay), whether the client's NAT mapping
// changes mid-transfer, a stream count and size, Web Streams or direct calls on either side, how
// the server ends its streams, which streams either side cancels halfway and whether the client
// destroys its connection mid-transfer; then echoes every stream byte-exact through the relay. A
// run that fails or makes no progress for 15 s, leaves either side holding streams, or has the
// server read a cancelled stream to a clean end is reported with its seed and both sides' state.
//
//   node scripts/soak.js [runs = 20] [first seed = 1]
//
// A failure replays (timing aside) with `node scripts/soak.js 1 <seed>`; SOAK_VERBOSE=1 prints
// each run's plan; SOAK_QLOG=<dir> writes both sides' qlog traces there (`<seed>-client.sqlog`,
// `<seed>-server.sqlog`; large, and slower). Exits 1 if any run failed.
const { QUICServer, QUICClient, events } = require('../index.js')
const fixtures = require('../tests/helpers/fixtures.js')
const { echo, clientStream } = require('../tests/helpers/echo-workload.js')
const { LossyRelay, prng } = require('../tests/helpers/lossy-relay.js')
const { describeConnection: describe } = require('./connection-report.js')

const STALL_MS = 15_000
const RUN_MS = 300_000

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * What a seed makes of a run.
 * @param {number} seed
 */
function plan(seed) {
  const rnd = prng(seed)
  /** @param {readonly any[]} xs */
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)]
  /** @type {import('../tests/helpers/lossy-relay.js').Impairment} */
  const impairment = { seed }
  if (rnd() < 0.7) impairment.drop = pick([0.01, 0.05, 0.1, 0.2])
  if (rnd() < 0.4) Object.assign(impairment, { reorder: 0.05, duplicate: 0.02 })
  if (rnd() < 0.2) impairment.corrupt = 0.01
  if (rnd() < 0.3) impairment.delayMs = pick([1, 5])
  const rebindAtMs = rnd() < 0.4 ? 50 + Math.floor(rnd() * 400) : -1
  const streams = pick([1, 4, 16, 64])
  let size = pick([1000, 64 * 1024, 256 * 1024, 1024 * 1024])
  // Through 10-20 % loss the congestion window stays at its floor: 64 MiB each way would take
  // minutes (measured: 300 s and still going); a few MiB exercise the same recovery.
  if ((impairment.drop ?? 0) >= 0.1) size = Math.min(size, (4 * 1024 * 1024) / streams)
  return {
    seed,
    impairment,
    rebindAtMs,
    streams,
    size,
    web: rnd() < 0.5,
    finWithData: rnd() < 0.5,
    // Every fourth stream cancelled by the client halfway through its writes (RESET_STREAM and
    // STOP_SENDING under the same impairment).
    cancels: rnd() < 0.3,
    // Every fourth stream (another quarter) cancelled by the server once it has read half.
    serverCancels: rnd() < 0.3,
    // The client through Web Streams (its cancel: the writer's abort and the reader's cancel).
    clientWeb: rnd() < 0.5,
    // The client's connection destroyed (forced) this many ms in: every stream call on the
    // client must settle at once, and the client hold no stream.
    closeAtMs: rnd() < 0.15 ? 20 + Math.floor(rnd() * 400) : -1,
  }
}

/** One run; resolves whether it passed. @param {number} seed */
async function run(seed) {
  const p = plan(seed)
  /** What the server read to a clean end short of the stream's size. @type {string[]} */
  const truncated = []
  if (process.env.SOAK_VERBOSE) console.log(JSON.stringify(p))
  const server = new QUICServer({
    config: { key: fixtures.ec.key, cert: fixtures.ec.cert, applicationProtos: ['soak'] },
  })
  await server.start({ host: '127.0.0.1', port: 0 })
  /** @type {import('../index').QUICConnection | null} */
  let serverConn = null
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    const conn = /** @type {any} */ (e).detail
    serverConn = conn
    if (process.env.SOAK_QLOG) conn.native.setQlog(`${process.env.SOAK_QLOG}/${seed}-server.sqlog`, 'soak', null)
    conn.addEventListener(events.EventQUICConnectionStream.name, (/** @type {any} */ se) => {
      echo(se.detail, p, truncated).catch(() => {
        // The client's side reports the run's failure.
      })
    })
  })
  const relay = new LossyRelay(server.port, p.impairment)
  const port = await relay.start()
  const t0 = performance.now()
  let progressAt = t0
  /** @type {import('../index').QUICClient | undefined} */
  let client
  try {
    client = await QUICClient.createQUICClient({
      host: '127.0.0.1',
      port,
      serverName: 'localhost',
      config: { ca: fixtures.ca, applicationProtos: ['soak'], maxIdleTimeout: 20_000 },
    })
    const conn = client.connection
    if (process.env.SOAK_QLOG) conn.native.setQlog(`${process.env.SOAK_QLOG}/${seed}-client.sqlog`, 'soak', null)
    const work = Array.from({ length: p.streams }, (_, i) =>
      clientStream(conn, p, i, seed * 100 + i, () => {
        progressAt = performance.now()
      }),
    )
    if (p.rebindAtMs >= 0) setTimeout(() => relay.rebind().catch(() => {}), p.rebindAtMs)
    if (p.closeAtMs >= 0) setTimeout(() => client?.destroy({ force: true }).catch(() => {}), p.closeAtMs)
    // With the connection destroyed, streams fail: only that they all settle counts.
    const all = p.closeAtMs >= 0 ? Promise.allSettled(work) : Promise.all(work)
    all.catch(() => {})
    for (;;) {
      const done = await Promise.race([all.then(() => true), sleep(1000).then(() => false)])
      if (done) break
      if (performance.now() - progressAt > STALL_MS) throw new Error(`no progress for ${STALL_MS / 1000} s`)
      if (performance.now() - t0 > RUN_MS) throw new Error(`still running after ${RUN_MS / 1000} s`)
    }
    // Nothing left behind: both sides let go of every stream (bounded). A server whose client
    // was destroyed waits for the CONNECTION_CLOSE, or its idle timeout if that was lost.
    const settled = performance.now()
    const serverHeld = () => (p.closeAtMs >= 0 ? 0 : /** @type {any} */ (serverConn?.streams.size ?? 0))
    while (serverHeld() > 0 || conn.streams.size > 0) {
      if (performance.now() - settled > STALL_MS)
        throw new Error(
          `the server still holds ${/** @type {any} */ (serverConn).streams.size} streams, the client ${conn.streams.size}`,
        )
      await sleep(50)
    }
    if (truncated.length > 0) throw new Error(`the server read truncated streams as complete: ${truncated.join('; ')}`)
    return true
  } catch (err) {
    console.log(
      `FAIL seed ${seed} after ${Math.round(performance.now() - t0)} ms: ${/** @type {Error} */ (err)?.message ?? err}`,
    )
    console.log(`  plan ${JSON.stringify(p)}`)
    console.log(`  client ${describe(client?.connection)}`)
    console.log(`  server ${describe(serverConn)}`)
    if (process.env.SOAK_VERBOSE) {
      for (const [id, st] of /** @type {any} */ (serverConn)?.streams ?? []) {
        console.log(
          `  server stream ${id}: ${JSON.stringify({ readClosed: st.readClosed, writeClosed: st.writeClosed, destroyed: st.destroyed, finished: st.connection.native.streamFinished(id), readable: st.connection.native.streamReadable(id) })}`,
        )
      }
    }
    console.log(`  relay ${JSON.stringify(relay.stats)}`)
    return false
  } finally {
    await client?.destroy({ force: true }).catch(() => {})
    await relay.close()
    await server.stop({ force: true })
  }
}

async function main() {
  const runs = Number(process.argv[2] ?? 20)
  const first = Number(process.argv[3] ?? 1)
  let failed = 0
  for (let seed = first; seed < first + runs; seed++) {
    if (!(await run(seed))) failed++
  }
  console.log(`soak: ${failed} of ${runs} runs failed (seeds ${first} to ${first + runs - 1})`)
  process.exit(failed > 0 ? 1 : 0)
}

main()
