// @ts-check
'use strict'
// One side of a benchmark, run as a child process by run.js:
// `node benches/peer.js <impl> <server|client> <scenario>`, driven over the IPC channel.
const family = require('./impl/quic-family.js')

/** @param {string} name */
async function load(name) {
  switch (name) {
    case 'quic':
      return family(require('../index.js'))
    case 'quic-web':
      return family(require('../index.js'), { web: true })
    case 'legacy':
      // benches/setup.js installs it into benches/node_modules.
      return family(await import(/** @type {string} */ ('@matrixai/quic-legacy')), { legacy: true })
    case 'tls':
      return require('./impl/tls.js')
    case 'http2':
      return require('./impl/http2.js')
    case 'http3':
      return require('./impl/http3.js')
    case 'dgram':
      return require('./impl/dgram.js')
    default:
      throw new Error(`unknown implementation ${name}`)
  }
}

/** Warm-up rounds' size, as a fraction of the timed round's count (bulk and idle have none: they are long or hold state). @type {Record<string, number>} */
const WARMUP = { rtt: 1, handshakes: 0.5, handshakesConcurrent: 1, streams: 1 }
/**
 * Warm-up rounds, each on connections of its own. One is not steady state on Node 20: the first
 * connection that closes makes V8 throw away code optimised while it lived (fields set for the
 * first time at teardown), so the round after it recompiles on background threads that take the
 * 2-core machine from both peers (measured: streams 20-26k/s in the round after one warm-up
 * round, 46-61k/s after two; node:http2 7-9k vs 14-20k).
 */
const WARMUP_ROUNDS = 2

const send = (/** @type {any} */ m) => /** @type {NodeJS.Process & { send: Function }} */ (process).send(m)

async function main() {
  const [implName, role, scenario] = process.argv.slice(2)
  const impl = await load(implName)
  if (role === 'server') {
    const cpu0 = process.cpuUsage()
    const s = await impl.server(scenario)
    process.on('message', async (/** @type {any} */ m) => {
      if (m.cmd === 'rss') {
        global.gc?.()
        send({ rss: process.memoryUsage().rss })
      } else if (m.cmd === 'cpu') {
        const d = process.cpuUsage(cpu0)
        send({ cpu: (d.user + d.system) / 1e6 })
      } else if (m.cmd === 'stop') {
        await s.close()
        process.exit(0)
      }
    })
    send({ port: s.port })
  } else {
    process.once('message', async (/** @type {any} */ m) => {
      const run = impl.clients[scenario]
      // Warm-up rounds first, the same for every implementation: the timed round then measures
      // steady state (JIT-compiled), which is what a long-lived process sees. The first one's
      // figure is kept as `cold`.
      let cold
      if (WARMUP[scenario]) {
        const p = { ...m.params, count: Math.ceil(m.params.count * WARMUP[scenario]) }
        cold = /** @type {any} */ (await run(m.port, p))
        for (let i = 1; i < WARMUP_ROUNDS; i++) await run(m.port, p)
      }
      const result = /** @type {any} */ (await run(m.port, m.params))
      if (cold !== undefined) result.cold = cold
      if (typeof result.hold === 'function') {
        const release = result.hold
        delete result.hold
        send({ result })
        process.once('message', async () => {
          await release()
          send({ done: true })
          process.exit(0)
        })
      } else {
        send({ result })
        process.exit(0)
      }
    })
    send({ ready: true })
  }
}

main().catch((e) => {
  send({ error: String(e?.stack ?? e) })
  process.exit(1)
})
