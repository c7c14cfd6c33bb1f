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
      return family(await import('@matrixai/quic-legacy'), { legacy: true })
    case 'tls':
      return require('./impl/tls.js')
    case 'http2':
      return require('./impl/http2.js')
    case 'dgram':
      return require('./impl/dgram.js')
    default:
      throw new Error(`unknown implementation ${name}`)
  }
}

/** Warm-up rounds, as a fraction of the timed round's count (bulk and idle have none: they are long or hold state). @type {Record<string, number>} */
const WARMUP = { rtt: 1, handshakes: 0.5, handshakesConcurrent: 1, streams: 1 }

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
      // A warm-up round first, the same for every implementation: the timed round then measures
      // steady state (JIT-compiled), which is what a long-lived process sees. Its figure is kept as `cold`.
      const cold = WARMUP[scenario] ? /** @type {any} */ (await run(m.port, { ...m.params, count: Math.ceil(m.params.count * WARMUP[scenario]) })) : undefined
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
