// @ts-check
'use strict'
// Benchmark peers for QUIC libraries with the @matrixai/quic API: this one and the published 2.x
// (which needs crypto callbacks and is ESM-only). 2.x speaks Web Streams over QUICStream; this
// library runs once with its direct calls (read / write / end) and once with Web Streams.
const crypto = require('node:crypto')
const { pki, percentile, pool, transfer, sharedClients } = require('./common.js')

/** Stream I/O through the Web Streams every version has. */
const webIO = {
  /** @param {any} s */
  writer(s) {
    const w = s.writable.getWriter()
    return { write: (/** @type {Uint8Array} */ c) => w.write(c), end: () => w.close() }
  },
  /** Bytes read until the end. @param {any} s */
  async count(s) {
    let n = 0
    for await (const c of s.readable) n += c.length
    return n
  },
  /** @param {any} s */
  reader(s) {
    const r = s.readable.getReader()
    return async () => (await r.read()).value
  },
  /** @param {any} s */
  echo: (s) => s.readable.pipeTo(s.writable),
  /** Writes `data` and finishes. @param {any} s @param {Uint8Array} data */
  async sendAll(s, data) {
    const w = s.writable.getWriter()
    await w.write(data)
    await w.close()
  },
}

/** Stream I/O through this library's direct calls. */
const directIO = {
  /** @param {any} s */
  writer: (s) => ({ write: (/** @type {Uint8Array} */ c) => s.write(c), end: () => s.end() }),
  /** @param {any} s */
  async count(s) {
    let n = 0
    for (let c = await s.read(); c != null; c = await s.read()) n += c.length
    return n
  },
  /** @param {any} s */
  reader: (s) => () => s.read(),
  /** @param {any} s */
  async echo(s) {
    for (let c = await s.read(); c != null; c = await s.read()) {
      // The last chunk goes with the FIN.
      if (s.readClosed) return s.end(c)
      await s.write(c)
    }
    await s.end()
  },
  /** Writes `data` and finishes, in one frame (as http2's `req.end(data)`). @param {any} s @param {Uint8Array} data */
  sendAll: (s, data) => s.end(data),
}

/**
 * @param {any} lib
 * @param {{ legacy?: boolean, web?: boolean }} [how] legacy: the 2.x crypto callbacks; web: Web Streams
 */
function family(lib, { legacy = false, web = legacy } = {}) {
  const io = web ? webIO : directIO
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
          verify: async (
            /** @type {ArrayBuffer} */ key,
            /** @type {ArrayBuffer} */ data,
            /** @type {ArrayBuffer} */ sig,
          ) =>
            crypto.timingSafeEqual(
              crypto.createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest(),
              Buffer.from(sig),
            ),
        },
      }
    : undefined
  const clientCrypto = legacy
    ? { ops: { randomBytes: async (/** @type {ArrayBuffer} */ b) => crypto.randomFillSync(new Uint8Array(b)) } }
    : undefined
  const windows = {
    initialMaxData: 32 * 1024 * 1024,
    initialMaxStreamDataBidiLocal: 8 * 1024 * 1024,
    initialMaxStreamDataBidiRemote: 8 * 1024 * 1024,
  }

  /** @param {string} scenario */
  async function server(scenario) {
    const s = new QUICServer({
      crypto: serverCrypto,
      config: {
        key: pki.key,
        cert: pki.cert,
        verifyPeer: false,
        maxIdleTimeout: 60_000,
        initialMaxStreamsBidi: 1000,
        ...windows,
      },
    })
    s.addEventListener(events.EventQUICServerConnection.name, (/** @type {any} */ e) => {
      e.detail.addEventListener(events.EventQUICConnectionStream.name, async (/** @type {any} */ se) => {
        const stream = se.detail
        try {
          if (scenario === 'bulk') {
            await io.count(stream)
            const w = io.writer(stream)
            await w.write(Buffer.from('k'))
            await w.end()
          } else {
            await io.echo(stream)
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
    const reading = io.count(stream)
    await io.sendAll(stream, data)
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
    const w = io.writer(s)
    const reading = io.count(s)
    for (let sent = 0; sent < p.bytes; sent += p.chunk) await w.write(t.chunk)
    await w.end()
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
      const w = io.writer(s)
      const read = io.reader(s)
      const ping = Buffer.alloc(p.size, 1)
      const times = []
      for (let i = 0; i < p.count; i++) {
        const t0 = performance.now()
        await w.write(ping)
        let got = 0
        while (got < p.size) got += (await read()).length
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
