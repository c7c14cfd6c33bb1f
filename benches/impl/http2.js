// @ts-check
'use strict'
// Benchmark peers for node:http2 (TLS), the usual alternative for many streams on one connection.
const http2 = require('node:http2')
const { pki, pingPong, pool, transfer, sharedClients } = require('./common.js')
const scenarios = require('../scenarios.js')

/** @param {string} scenario */
async function server(scenario) {
  const s = http2.createSecureServer({ key: pki.key, cert: pki.cert, settings: { maxConcurrentStreams: 1000 } })
  s.on('stream', (stream) => {
    stream.on('error', () => {})
    stream.respond({ ':status': 200 })
    if (scenario === 'download') {
      stream.on('data', () => {})
      stream.on('end', async () => {
        const { bytes, chunk } = scenarios.download
        const piece = Buffer.alloc(chunk, 7)
        for (let sent = 0; sent < bytes; sent += chunk) {
          if (!stream.write(piece)) await new Promise((r) => stream.once('drain', r))
        }
        stream.end()
      })
    } else if (scenario === 'bulk') {
      stream.on('data', () => {})
      stream.on('end', () => stream.end('k'))
    } else {
      stream.pipe(stream)
    }
  })
  s.on('sessionError', () => {})
  await new Promise((r) => s.listen(0, '127.0.0.1', () => r(undefined)))
  return {
    port: /** @type {import('node:net').AddressInfo} */ (s.address()).port,
    close: () => new Promise((r) => s.close(() => r(undefined))),
  }
}

/** @param {number} port @returns {Promise<http2.ClientHttp2Session>} */
function dial(port) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://localhost:${port}`, {
      ca: pki.ca,
      settings: { initialWindowSize: 8 * 1024 * 1024 },
    })
    session.once('connect', () => resolve(session))
    session.once('error', reject)
  })
}

/** @param {http2.ClientHttp2Session} session @param {Buffer} data */
function exchange(session, data) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': '/' })
    let n = 0
    req.on('data', (/** @type {Buffer} */ d) => (n += d.length))
    req.on('end', () => resolve(n))
    req.on('error', reject)
    req.end(data)
  })
}

/**
 * One request: `p.bytes` written, then (echo) all of it read back or (bulk) the server's one-byte ack.
 * @param {number} port @param {any} p @param {boolean} echoed
 */
async function stream(port, p, echoed) {
  const session = await dial(port)
  const t = transfer(p)
  const req = session.request({ ':method': 'POST', ':path': '/' })
  let n = 0
  req.on('data', (/** @type {Buffer} */ d) => (n += d.length))
  const done = new Promise((r) => req.on('end', r))
  for (let sent = 0; sent < p.bytes; sent += p.chunk) {
    if (!req.write(t.chunk)) await new Promise((r) => req.once('drain', r))
  }
  req.end()
  await done
  if (echoed && n !== p.bytes) throw new Error(`echoed ${n} of ${p.bytes}`)
  const result = t.done()
  session.destroy()
  return result
}

/** Connect, one 32-byte exchange, close. @param {number} port */
async function shake(port) {
  const session = await dial(port)
  await exchange(session, Buffer.alloc(32, 2))
  session.destroy()
}

/** @type {Record<string, (port: number, p: any) => Promise<object>>} */
const clients = {
  ...sharedClients({ stream, shake, dial, close: (/** @type {http2.ClientHttp2Session} */ s) => s.destroy() }),
  async rtt(port, p) {
    const session = await dial(port)
    const result = await pingPong(session.request({ ':method': 'POST', ':path': '/' }), p)
    session.destroy()
    return result
  },
  /** One GET: the server sends `p.bytes`. */
  async download(port, p) {
    const session = await dial(port)
    const t = transfer(p)
    const req = session.request({ ':method': 'GET', ':path': '/' })
    let n = 0
    req.on('data', (/** @type {Buffer} */ d) => (n += d.length))
    await new Promise((resolve, reject) => {
      req.on('end', resolve)
      req.on('error', reject)
    })
    if (n !== p.bytes) throw new Error(`downloaded ${n} of ${p.bytes}`)
    const result = t.done()
    session.destroy()
    return result
  },
  async streams(port, p) {
    const session = await dial(port)
    const data = Buffer.alloc(p.size, 3)
    const result = await pool(p, async () => {
      const n = await exchange(session, data)
      if (n !== p.size) throw new Error(`echoed ${n} of ${p.size}`)
    })
    session.destroy()
    return result
  },
}

module.exports = { server, clients }
