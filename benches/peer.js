// @ts-check
'use strict'
// One side of a benchmark, run as a child process by run.js:
// `node benches/peer.js <impl> <server|client> <scenario>`, driven over the IPC channel.
const family = require('./impl/quic-family.js')

/** @param {string} name */
async function load(name) {
  switch (name) {
    case 'quic':
      return family(require('../index.js'), false)
    case 'legacy':
      return family(await import('@matrixai/quic-legacy'), true)
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
      const result = /** @type {any} */ (await impl.clients[scenario](m.port, m.params))
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
