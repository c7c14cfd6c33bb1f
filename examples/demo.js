// @ts-check
'use strict'
// Demo over loopback: a QUICServer and a QUICClient on 127.0.0.1. Eight streams both ways at
// once (the server echoes each), then a bulk transfer with a progress line, then a summary from
// the connection's stats. `npm run demo [-- MiB]`.
const crypto = require('node:crypto')
const { QUICServer, QUICClient, events } = require('../index.js')
const fixtures = require('../tests/helpers/fixtures.js')

const MiB = 1024 * 1024
const BULK = Number(process.argv[2] ?? 64) * MiB

/** @param {ReadableStream<Uint8Array>} readable */
async function drain(readable, onChunk = (/** @type {Uint8Array} */ _c) => {}) {
  let n = 0
  for await (const c of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (readable))) {
    n += c.length
    onChunk(c)
  }
  return n
}

async function main() {
  const server = new QUICServer({
    config: { key: fixtures.ec.key, cert: fixtures.ec.cert, applicationProtos: ['quic-demo'] },
  })
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    const conn = /** @type {any} */ (e).detail
    conn.addEventListener(events.EventQUICConnectionStream.name, async (/** @type {any} */ se) => {
      const stream = se.detail
      if (stream.type === 'uni') {
        // The bulk stream: count and hash it, answer on a stream of our own.
        const hash = crypto.createHash('sha256')
        const n = await drain(stream.readable, (c) => hash.update(c))
        const reply = conn.newStream('uni')
        const w = reply.writable.getWriter()
        await w.write(Buffer.from(`${n} ${hash.digest('hex')}`))
        await w.close()
      } else {
        await stream.readable.pipeTo(stream.writable)
      }
    })
  })
  await server.start({ host: '127.0.0.1', port: 0 })

  const t0 = performance.now()
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: server.port,
    serverName: 'localhost',
    config: { ca: fixtures.ca, applicationProtos: ['quic-demo'] },
  })
  const conn = client.connection
  console.log(
    `connected to ${server.host}:${server.port} in ${(performance.now() - t0).toFixed(1)} ms (ALPN ${conn.native.applicationProto()})`,
  )

  // Eight streams at once, echoed.
  const ok = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const s = conn.newStream()
      const msg = Buffer.from(`hello from stream ${i} `.repeat(500 * (i + 1)))
      /** @type {Uint8Array[]} */
      const back = []
      const reading = drain(s.readable, (c) => back.push(c))
      const w = s.writable.getWriter()
      await w.write(msg)
      await w.close()
      await reading
      return Buffer.concat(back).equals(msg)
    }),
  )
  console.log(`streams: ${ok.filter(Boolean).length}/${ok.length} echoed byte-exact`)

  // Bulk on a unidirectional stream; the server answers with length and SHA-256 on its own.
  /** @type {Promise<string>} */
  const answer = new Promise((resolve) => {
    conn.addEventListener(events.EventQUICConnectionStream.name, async (/** @type {any} */ se) => {
      /** @type {Uint8Array[]} */
      const chunks = []
      await drain(se.detail.readable, (c) => chunks.push(c))
      resolve(Buffer.concat(chunks).toString())
    })
  })
  const bulk = conn.newStream('uni')
  const w = bulk.writable.getWriter()
  const hash = crypto.createHash('sha256')
  const chunk = crypto.randomBytes(MiB)
  const tBulk = performance.now()
  let lastPrint = 0
  for (let sent = 0; sent < BULK; sent += chunk.length) {
    const piece = chunk.subarray(0, Math.min(chunk.length, BULK - sent))
    hash.update(piece)
    await w.write(piece)
    const now = performance.now()
    if (now - lastPrint > (process.stdout.isTTY ? 200 : 1000)) {
      lastPrint = now
      const line = `bulk: ${((sent + piece.length) / MiB).toFixed(0)} / ${BULK / MiB} MiB sent`
      process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`)
    }
  }
  await w.close()
  const reply = await answer
  const seconds = (performance.now() - tBulk) / 1000
  if (process.stdout.isTTY) process.stdout.write('\n')
  const bulkOk = reply === `${BULK} ${hash.digest('hex')}`
  console.log(
    `bulk: ${bulkOk ? 'complete, length and SHA-256 match' : `MISMATCH (${reply})`}, ${(BULK / MiB / seconds).toFixed(1)} MB/s over ${seconds.toFixed(2)} s`,
  )
  const stats = conn.native.stats()
  const [path] = conn.native.pathStats()
  console.log(
    `summary: rtt ${path.rtt.toFixed(2)} ms (min ${path.minRtt?.toFixed(2)} ms), packets sent ${stats.sent}, received ${stats.recv}, lost ${stats.lost} (${((100 * stats.lost) / Math.max(1, stats.sent)).toFixed(2)} %), cwnd ${(path.cwnd / 1024).toFixed(0)} KiB`,
  )
  await client.destroy()
  await server.stop()
  if (!bulkOk || !ok.every(Boolean)) process.exitCode = 1
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
