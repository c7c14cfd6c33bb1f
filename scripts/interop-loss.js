// @ts-check
'use strict'
// Lossy interop runs against an independent stack: our client echoes streams through an aioquic
// server (tests/interop/aioquic_peer.py) that itself drops a share of the datagrams it receives
// and sends, each run from its own seed; with `--our-server`, an aioquic client that drops them
// echoes through our server (Web Streams) instead. A run in which no byte comes back for STALL_MS (the
// idle timeout is 30 s, so a stalled connection is still alive then), or that is not done in
// RUN_MS (slow through heavy loss, but moving), is reported with its seed and
// the client's state; it replays with `node scripts/interop-loss.js 1 <seed> <loss>`.
//
//   node scripts/interop-loss.js [runs = 20] [first seed = 1] [loss = 0.05] [streams = 8] [size = 262144] [--our-server]
//
// INTEROP_QLOG=<dir> keeps the client's qlog of each failed run there (`<seed>-client.sqlog`). Exits 1
// if any run failed. tests/interop.test.js runs a few seeds of it.
const fs = require('node:fs')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { QUICClient, QUICServer, events } = require('../index.js')
const fixtures = require('../tests/helpers/fixtures.js')
const { pattern, writeAll } = require('../tests/helpers/quic.js')
const { startAioquicServer, python, peerScript, fx } = require('../tests/helpers/aioquic.js')
const { echo: echoStream } = require('../tests/helpers/echo-workload.js')
const { describeConnection } = require('./connection-report.js')

const STALL_MS = 20_000
const RUN_MS = 120_000
const WRITE_CHUNK = 64 * 1024

/**
 * Echoes `data` on a new stream through its Web Streams (writes of WRITE_CHUNK).
 * @param {import('../index').QUICConnection} conn
 * @param {Buffer} data
 * @param {{ done: number }} progress
 */
async function echo(conn, data, progress) {
  const s = conn.newStream()
  const write = writeAll(s.writable, data, WRITE_CHUNK)
  // A failed read leaves the write to fail on its own (the destroy after a stall).
  write.catch(() => {})
  const chunks = []
  for await (const c of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (s.readable))) {
    chunks.push(c)
    progress.done += c.length
  }
  await write
  const back = Buffer.concat(chunks)
  if (!back.equals(data))
    throw new Error(`stream ${s.streamId}: ${back.length} of ${data.length} bytes came back, or different ones`)
}

/**
 * One run: resolves with `null` when it passed, or what went wrong.
 * @param {{ seed: number, loss: number, streams: number, size: number }} o
 */
async function run({ seed, loss, streams, size }) {
  const server = await startAioquicServer(['--loss', String(loss), '--seed', String(seed)])
  /** @type {import('../index').QUICClient | undefined} */
  let client
  const progress = { done: 0 }
  /** @type {NodeJS.Timeout | undefined} */
  let timer
  try {
    client = await QUICClient.createQUICClient(
      {
        host: '127.0.0.1',
        port: server.port,
        serverName: 'localhost',
        config: { ca: fixtures.ca, applicationProtos: ['quic-interop'] },
      },
      { timer: STALL_MS },
    )
    const conn = client.connection
    if (process.env.INTEROP_QLOG)
      conn.native.setQlog(path.join(process.env.INTEROP_QLOG, `${seed}-client.sqlog`), 'interop-loss', null)
    const all = Promise.all(
      Array.from({ length: streams }, (_, i) => echo(conn, pattern(size, seed * 100 + i), progress)),
    )
    // After a stall the destroy below fails the echoes: nobody waits for them then.
    all.catch(() => {})
    // Checked each second: no byte back for STALL_MS is a stall; RUN_MS in all is too slow.
    const started = Date.now()
    let lastDone = -1
    let lastMoved = started
    const stuck = new Promise((resolve) => {
      timer = setInterval(() => {
        const now = Date.now()
        if (progress.done !== lastDone) {
          lastDone = progress.done
          lastMoved = now
        }
        if (now - lastMoved >= STALL_MS) resolve('stalled')
        else if (now - started >= RUN_MS) resolve('too slow')
      }, 1000)
    })
    const r = await Promise.race([all.then(() => null), stuck])
    if (r != null)
      return `${r}: ${progress.done} of ${streams * size} bytes back; client ${describeConnection(conn, 8)}`
    return null
  } catch (e) {
    return `failed: ${/** @type {Error} */ (e).stack}`
  } finally {
    clearInterval(timer)
    await client?.destroy({ force: true })
    const counts = await server.stop()
    if (process.env.INTEROP_VERBOSE) console.log(`  seed ${seed}: server ${counts}`)
  }
}

/**
 * One run the other way: an aioquic client that drops `loss` of its datagrams echoes through our
 * server. Resolves with `null` when it passed, or what went wrong.
 * @param {{ seed: number, loss: number, streams: number, size: number }} o
 */
async function runOurServer({ seed, loss, streams, size }) {
  const server = new QUICServer({
    config: { key: fixtures.ec.key, cert: fixtures.ec.cert, applicationProtos: ['quic-interop'] },
  })
  await server.start({ host: '127.0.0.1', port: 0 })
  /** @type {import('../index').QUICConnection | null} */
  let serverConn = null
  const plan = { streams, size, web: true, finWithData: false, cancels: false, serverCancels: false, clientWeb: true }
  /** @type {string[]} */
  const truncated = []
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    const conn = /** @type {any} */ (e).detail
    serverConn = conn
    conn.addEventListener(events.EventQUICConnectionStream.name, (/** @type {any} */ se) => {
      echoStream(se.detail, plan, truncated).catch(() => {})
    })
  })
  const args = ['client', '--port', String(server.port), '--ca', fx('ca.crt'), '--scenario', 'lossy-echo']
  args.push('--loss', String(loss), '--seed', String(seed), '--streams', String(streams), '--size', String(size))
  const child = spawn(python, [peerScript, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    return await new Promise((resolve) => {
      let out = ''
      let lastProgress = -1
      let lastMoved = Date.now()
      const started = Date.now()
      const timer = setInterval(() => {
        const now = Date.now()
        const reason = now - lastMoved >= STALL_MS ? 'stalled' : now - started >= RUN_MS ? 'too slow' : null
        if (reason == null) return
        clearInterval(timer)
        child.kill()
        resolve(
          `${reason}: ${lastProgress} of ${streams * size} bytes back; server ${describeConnection(serverConn, 8)}`,
        )
      }, 1000)
      let last = ''
      child.stdout.on('data', (d) => {
        out += d
        const lines = out.split('\n')
        out = /** @type {string} */ (lines.pop())
        for (const line of lines) {
          if (line.trim() !== '') last = line
          const m = /"progress": (\d+)/.exec(line)
          if (m != null && Number(m[1]) !== lastProgress) {
            lastProgress = Number(m[1])
            lastMoved = Date.now()
          }
        }
      })
      child.once('exit', (code) => {
        clearInterval(timer)
        if (out.trim() !== '') last = out
        if (code !== 0) resolve(`the aioquic client exited with ${code}: ${last}`)
        else if (!/"ok": true/.test(last)) resolve(`the echo differs: ${last}`)
        else if (truncated.length > 0) resolve(`truncated: ${truncated.join('; ')}`)
        else resolve(null)
      })
    })
  } finally {
    child.kill()
    await server.stop({ force: true })
  }
}

async function main() {
  const ourServer = process.argv.includes('--our-server')
  const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'))
  const [runs = 20, first = 1, loss = 0.05, streams = 8, size = 256 * 1024] = positional.map(Number)
  const started = Date.now()
  const failed = []
  for (let seed = first; seed < first + runs; seed++) {
    const t0 = Date.now()
    const err = await (ourServer ? runOurServer : run)({ seed, loss, streams, size })
    // Only a failed run's trace is worth its size.
    if (err == null && process.env.INTEROP_QLOG)
      fs.rmSync(path.join(process.env.INTEROP_QLOG, `${seed}-client.sqlog`), { force: true })
    if (err != null) {
      failed.push(seed)
      console.log(`seed ${seed} (loss ${loss}): ${err}`)
    } else if (process.env.INTEROP_VERBOSE) console.log(`seed ${seed}: ok in ${Date.now() - t0} ms`)
  }
  console.log(
    `${runs - failed.length} passed, ${failed.length} failed (${ourServer ? 'aioquic client, our server' : 'our client, aioquic server'}, loss ${loss}, ${streams} x ${size} B, ${((Date.now() - started) / 1000).toFixed(1)} s)${failed.length ? `; seeds ${failed.join(' ')}` : ''}`,
  )
  process.exit(failed.length > 0 ? 1 : 0)
}

if (require.main === module) main()

module.exports = { run, runOurServer }
