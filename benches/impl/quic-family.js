// @ts-check
'use strict'
// Benchmark peers for QUIC libraries with the @matrixai/quic API: this one and the published 2.x
// (which needs crypto callbacks and is ESM-only). Both speak Web Streams over QUICStream.
const crypto = require('node:crypto')
const { pki, percentile, pool, transfer, sharedClients } = require('./common.js')

/** @param {any} lib @param {boolean} legacy */
function family(lib, legacy) {
  const { QUICServer, QUICClient, events } = lib
  const hmacKey = crypto.randomBytes(32)
  const serverCrypto = legacy
    ? {
        key: hmacKey.buffer.slice(hmacKey.byteOffset, hmacKey.byteOffset + 32),
        ops: {
          sign: async (/** @type {ArrayBuffer} */ key, /** @type {ArrayBuffer} */ data) => {
            const d = crypto.createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest()
            return d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)
          },
          verify: async (/** @type {ArrayBuffer} */ key, /** @type {ArrayBuffer} */ data, /** @type {ArrayBuffer} */ sig) =>
            crypto.timingSafeEqual(crypto.createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest(), Buffer.from(sig)),
        },
      }
    : undefined
  const clientCrypto = legacy ? { ops: { randomBytes: async (/** @type {ArrayBuffer} */ b) => crypto.randomFillSync(new Uint8Array(b)) } } : undefined
  const windows = { initialMaxData: 32 * 1024 * 1024, initialMaxStreamDataBidiLocal: 8 * 1024 * 1024, initialMaxStreamDataBidiRemote: 8 * 1024 * 1024 }

  /** @param {string} scenario */
  async function server(scenario) {
    const s = new QUICServer({
      crypto: serverCrypto,
      config: { key: pki.key, cert: pki.cert, verifyPeer: false, maxIdleTimeout: 60_000, initialMaxStreamsBidi: 1000, ...windows },
    })
    s.addEventListener(events.EventQUICServerConnection.name, (/** @type {any} */ e) => {
      e.detail.addEventListener(events.EventQUICConnectionStream.name, async (/** @type {any} */ se) => {
        const stream = se.detail
        try {
          if (scenario === 'bulk') {
            for await (const _ of stream.readable);
            const w = stream.writable.getWriter()
            await w.write(Buffer.from('k'))
            await w.close()
          } else {
            await stream.readable.pipeTo(stream.writable)
          }
        } catch {
          // A client that went away: nothing to serve.
        }
      })
    })
    await s.start({ host: '127.0.0.1', port: 0 })
    return { port: s.port, close: () => s.stop({ force: true }) }
  }

  /** @param {number} port */
  async function dial(port) {
    return QUICClient.createQUICClient({
      host: '127.0.0.1',
      port,
      crypto: clientCrypto,
      config: { verifyPeer: false, maxIdleTimeout: 60_000, ...windows },
    })
  }

  /** @param {any} stream @param {Uint8Array} data */
  async function echo(stream, data) {
    const w = stream.writable.getWriter()
    const reading = (async () => {
      let n = 0
      for await (const c of stream.readable) n += c.length
      return n
    })()
    await w.write(data)
    await w.close()
    return reading
  }

  /**
   * One stream: `p.bytes` written, then (echo) all of it read back or (bulk) the server's one-byte ack.
   * @param {number} port @param {any} p @param {boolean} echoed
   */
  async function stream(port, p, echoed) {
    const c = await dial(port)
    const t = transfer(p)
    const s = c.connection.newStream()
    const w = s.writable.getWriter()
    const reading = (async () => {
      let n = 0
      for await (const x of s.readable) n += x.length
      return n
    })()
    for (let sent = 0; sent < p.bytes; sent += p.chunk) await w.write(t.chunk)
    await w.close()
    const n = await reading
    if (echoed && n !== p.bytes) throw new Error(`echoed ${n} of ${p.bytes}`)
    const result = t.done()
    await c.destroy({ force: true })
    return result
  }

  /** Connect, one 32-byte round trip, close. @param {number} port */
  async function shake(port) {
    const c = await dial(port)
    await echo(c.connection.newStream(), Buffer.alloc(32, 2))
    await c.destroy()
  }

  /** @type {Record<string, (port: number, p: any) => Promise<object>>} */
  const clients = {
    ...sharedClients({ stream, shake, dial, close: (/** @type {any} */ c) => c.destroy({ force: true }) }),
    async rtt(port, p) {
      const c = await dial(port)
      const s = c.connection.newStream()
      const w = s.writable.getWriter()
      const r = s.readable.getReader()
      const ping = Buffer.alloc(p.size, 1)
      const times = []
      for (let i = 0; i < p.count; i++) {
        const t0 = performance.now()
        await w.write(ping)
        let got = 0
        while (got < p.size) got += (await r.read()).value.length
        times.push((performance.now() - t0) * 1000)
      }
      await c.destroy({ force: true })
      times.sort((a, b) => a - b)
      return { count: p.count, p50us: percentile(times, 50), p99us: percentile(times, 99) }
    },
    async streams(port, p) {
      const c = await dial(port)
      const data = Buffer.alloc(p.size, 3)
      const result = await pool(p, async () => {
        const n = await echo(c.connection.newStream(), data)
        if (n !== p.size) throw new Error(`echoed ${n} of ${p.size}`)
      })
      await c.destroy({ force: true })
      return result
    },
  }
  return { server, clients }
}

module.exports = family
