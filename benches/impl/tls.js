// @ts-check
'use strict'
// Benchmark peers for node:tls over TCP (TLS 1.3), the usual alternative for one reliable stream.
const tls = require('node:tls')
const { pki, pingPong, transfer, sharedClients } = require('./common.js')

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
  return {
    port: /** @type {import('node:net').AddressInfo} */ (s.address()).port,
    close: () => new Promise((r) => s.close(() => r(undefined))),
  }
}

/** @param {number} port @returns {Promise<tls.TLSSocket>} */
function dial(port) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect(
      { host: '127.0.0.1', port, ca: pki.ca, servername: 'localhost', minVersion: 'TLSv1.3' },
      () => resolve(sock),
    )
    sock.once('error', reject)
  })
}

/**
 * One connection: `p.bytes` written, then (echo) all of it read back or (bulk) the server's
 * one-byte ack after the end.
 * @param {number} port @param {any} p @param {boolean} echoed
 */
async function stream(port, p, echoed) {
  const sock = await dial(port)
  const t = transfer(p)
  let n = 0
  const back = new Promise((resolve) => {
    sock.on('data', (/** @type {Buffer} */ d) => {
      n += d.length
      if (!echoed || n >= p.bytes) resolve(undefined)
    })
  })
  for (let sent = 0; sent < p.bytes; sent += p.chunk) {
    if (!sock.write(t.chunk)) await new Promise((r) => sock.once('drain', r))
  }
  if (!echoed) sock.end()
  await back
  const result = t.done()
  sock.destroy()
  return result
}

/** Connect, one 32-byte round trip, close. @param {number} port */
async function shake(port) {
  const sock = await dial(port)
  const back = new Promise((r) => sock.once('data', r))
  sock.write(Buffer.alloc(32, 2))
  await back
  sock.destroy()
}

/** @type {Record<string, (port: number, p: any) => Promise<object>>} */
const clients = {
  ...sharedClients({ stream, shake, dial, close: (/** @type {tls.TLSSocket} */ s) => s.destroy() }),
  async rtt(port, p) {
    const sock = await dial(port)
    sock.setNoDelay(true)
    const result = await pingPong(sock, p)
    sock.destroy()
    return result
  },
}

module.exports = { server, clients }
