// @ts-check
'use strict'
// Benchmark peers for node:tls over TCP (TLS 1.3), the usual alternative for one reliable stream.
const tls = require('node:tls')
const crypto = require('node:crypto')
const { pki, cpuSince, pingPong } = require('./common.js')

/** @param {string} scenario */
async function server(scenario) {
  const s = tls.createServer({ key: pki.key, cert: pki.cert, minVersion: 'TLSv1.3' }, (sock) => {
    sock.on('error', () => {})
    if (scenario === 'bulk') {
      sock.on('data', () => {})
      sock.on('end', () => sock.end('k'))
    } else if (scenario !== 'idle') {
      sock.pipe(sock)
    }
  })
  await new Promise((r) => s.listen(0, '127.0.0.1', () => r(undefined)))
  return { port: /** @type {import('node:net').AddressInfo} */ (s.address()).port, close: () => new Promise((r) => s.close(() => r(undefined))) }
}

/** @param {number} port @returns {Promise<tls.TLSSocket>} */
function dial(port) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca: pki.ca, servername: 'localhost', minVersion: 'TLSv1.3' }, () => resolve(sock))
    sock.once('error', reject)
  })
}

/** @type {Record<string, (port: number, p: any) => Promise<object>>} */
const clients = {
  async bulk(port, p) {
    const sock = await dial(port)
    const chunk = crypto.randomBytes(p.chunk)
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    const ack = new Promise((r) => sock.once('data', r))
    for (let sent = 0; sent < p.bytes; sent += p.chunk) {
      if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r))
    }
    sock.end()
    await ack
    const seconds = (performance.now() - t0) / 1000
    const cpuClient = cpuSince(cpu)
    sock.destroy()
    return { seconds, bytes: p.bytes, mbPerSecond: p.bytes / 1024 / 1024 / seconds, cpuClient }
  },
  async echo(port, p) {
    const sock = await dial(port)
    const chunk = crypto.randomBytes(p.chunk)
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    let n = 0
    const back = new Promise((resolve) => {
      sock.on('data', (/** @type {Buffer} */ d) => {
        n += d.length
        if (n >= p.bytes) resolve(undefined)
      })
    })
    for (let sent = 0; sent < p.bytes; sent += p.chunk) {
      if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r))
    }
    await back
    const seconds = (performance.now() - t0) / 1000
    const cpuClient = cpuSince(cpu)
    sock.destroy()
    return { seconds, bytes: p.bytes, mbPerSecond: p.bytes / 1024 / 1024 / seconds, cpuClient }
  },
  async rtt(port, p) {
    const sock = await dial(port)
    sock.setNoDelay(true)
    const result = await pingPong(sock, p)
    sock.destroy()
    return result
  },
  async handshakes(port, p) {
    const t0 = performance.now()
    for (let i = 0; i < p.count; i++) {
      const sock = await dial(port)
      const back = new Promise((r) => sock.once('data', r))
      sock.write(Buffer.alloc(32, 2))
      await back
      sock.destroy()
    }
    const seconds = (performance.now() - t0) / 1000
    return { count: p.count, seconds, perSecond: p.count / seconds }
  },
  async handshakesConcurrent(port, p) {
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: p.count }, async () => {
        const sock = await dial(port)
        const back = new Promise((r) => sock.once('data', r))
        sock.write(Buffer.alloc(32, 2))
        await back
        sock.destroy()
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    return { count: p.count, seconds, perSecond: p.count / seconds }
  },
  async idle(port, p) {
    /** @type {tls.TLSSocket[]} */
    const socks = []
    for (let i = 0; i < p.count; i++) socks.push(await dial(port))
    return { count: p.count, hold: async () => socks.forEach((s) => s.destroy()) }
  },
}

module.exports = { server, clients }
