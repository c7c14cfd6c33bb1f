// @ts-check
'use strict'
// Helpers for the benchmark peers: timing, percentiles, the test PKI.
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const fixture = (/** @type {string} */ name) =>
  fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', name), 'utf8')

const pki = {
  key: fixture('server-ec.key'),
  cert: fixture('server-ec.crt'),
  ca: fixture('ca.crt'),
}

/** @param {number[]} sorted @param {number} p */
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/** CPU seconds used since `start` (from process.cpuUsage()). @param {NodeJS.CpuUsage} start */
const cpuSince = (start) => {
  const d = process.cpuUsage(start)
  return (d.user + d.system) / 1e6
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Sequential ping-pongs of `p.size` bytes over a Node duplex (TLS socket, HTTP/2 stream).
 * @param {import('node:stream').Duplex} duplex
 * @param {{ count: number, size: number }} p
 */
async function pingPong(duplex, p) {
  const ping = Buffer.alloc(p.size, 1)
  const times = []
  for (let i = 0; i < p.count; i++) {
    const t0 = performance.now()
    let got = 0
    const done = new Promise((resolve) => {
      const on = (/** @type {Buffer} */ d) => {
        got += d.length
        if (got >= p.size) {
          duplex.off('data', on)
          resolve(undefined)
        }
      }
      duplex.on('data', on)
    })
    duplex.write(ping)
    await done
    times.push((performance.now() - t0) * 1000)
  }
  times.sort((a, b) => a - b)
  return { count: p.count, p50us: percentile(times, 50), p99us: percentile(times, 99) }
}

/**
 * Runs `task` `count` times with `inFlight` at once; returns the rate.
 * @param {{ count: number, inFlight: number }} p
 * @param {() => Promise<void>} task
 */
async function pool(p, task) {
  let next = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < p.count) {
      next++
      await task()
    }
  }
  await Promise.all(Array.from({ length: p.inFlight }, worker))
  const seconds = (performance.now() - t0) / 1000
  return { count: p.count, seconds, perSecond: p.count / seconds }
}

/**
 * Starts timing a transfer of `p.bytes` in `p.chunk`-sized writes: the chunk to write, and
 * `done()` for the result (call it before tearing the connection down).
 * @param {{ bytes: number, chunk: number }} p
 */
function transfer(p) {
  const chunk = crypto.randomBytes(p.chunk)
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  return {
    chunk,
    done() {
      const seconds = (performance.now() - t0) / 1000
      return { seconds, bytes: p.bytes, mbPerSecond: p.bytes / 1024 / 1024 / seconds, cpuClient: cpuSince(cpu) }
    },
  }
}

/**
 * Runs `task` `count` times, one after another or all at once; returns the rate.
 * @param {number} count
 * @param {boolean} together
 * @param {() => Promise<void>} task
 */
async function rate(count, together, task) {
  const t0 = performance.now()
  if (together) await Promise.all(Array.from({ length: count }, task))
  else for (let i = 0; i < count; i++) await task()
  const seconds = (performance.now() - t0) / 1000
  return { count, seconds, perSecond: count / seconds }
}

/**
 * The scenarios every implementation runs alike, from its one-stream transfer (`echoed`: the
 * server sends it all back), its connect + round trip + close, and its dial and close.
 * @template C
 * @param {{ stream: (port: number, p: any, echoed: boolean) => Promise<object>, shake: (port: number) => Promise<void>,
 *           dial: (port: number) => Promise<C>, close: (c: C) => unknown }} impl
 * @returns {Record<string, (port: number, p: any) => Promise<object>>}
 */
function sharedClients({ stream, shake, dial, close }) {
  return {
    bulk: (port, p) => stream(port, p, false),
    echo: (port, p) => stream(port, p, true),
    handshakes: (port, p) => rate(p.count, false, () => shake(port)),
    handshakesConcurrent: (port, p) => rate(p.count, true, () => shake(port)),
    /** Idle connections held until `hold()` closes them. */
    async idle(port, p) {
      /** @type {C[]} */
      const conns = []
      for (let i = 0; i < p.count; i++) conns.push(await dial(port))
      return { count: p.count, hold: () => Promise.all(conns.map(close)) }
    },
  }
}

module.exports = { pki, percentile, cpuSince, sleep, pingPong, pool, transfer, sharedClients }
