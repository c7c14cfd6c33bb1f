// @ts-check
'use strict'
// The raw UDP ceiling of Node: a client blasts 1350-byte datagrams (the QUIC payload size) as
// fast as dgram takes them; the server counts what arrives. No encryption, no reliability.
const dgram = require('node:dgram')
const { cpuSince, sleep } = require('./common.js')

const SIZE = 1350

/** @param {string} _scenario */
async function server(_scenario) {
  const s = dgram.createSocket('udp4')
  let bytes = 0
  let last = 0
  s.on('message', (m, rinfo) => {
    if (m.length === 1) {
      // The client's "how much arrived?" probe.
      s.send(Buffer.from(JSON.stringify({ bytes, last })), rinfo.port, rinfo.address)
      bytes = 0
      return
    }
    bytes += m.length
    last = performance.now()
  })
  await new Promise((r) => s.bind(0, '127.0.0.1', () => r(undefined)))
  s.setRecvBufferSize(4 * 1024 * 1024)
  return { port: s.address().port, close: () => new Promise((r) => s.close(() => r(undefined))) }
}

/** @type {Record<string, (port: number, p: any) => Promise<object>>} */
const clients = {
  async bulk(port, p) {
    const s = dgram.createSocket('udp4')
    await new Promise((r) => s.bind(0, '127.0.0.1', () => r(undefined)))
    s.setSendBufferSize(4 * 1024 * 1024)
    s.connect(port, '127.0.0.1')
    await new Promise((r) => s.once('connect', r))
    const payload = Buffer.alloc(SIZE, 7)
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    let inFlight = 0
    for (let sent = 0; sent < p.bytes; sent += SIZE) {
      inFlight++
      s.send(payload, () => inFlight--)
      // Keep the libuv queue short: the ceiling is what the socket takes, not what queues in memory.
      if (inFlight > 256) while (inFlight > 64) await new Promise((r) => setImmediate(r))
    }
    while (inFlight > 0) await new Promise((r) => setImmediate(r))
    const cpuClient = cpuSince(cpu)
    await sleep(50)
    const report = new Promise((r) => s.once('message', (m) => r(JSON.parse(m.toString()))))
    s.send(Buffer.from('?'))
    const { bytes } = /** @type {{ bytes: number }} */ (await report)
    const seconds = (performance.now() - t0 - 50) / 1000
    s.close()
    return {
      seconds,
      bytes,
      sentBytes: p.bytes,
      mbPerSecond: bytes / 1024 / 1024 / seconds,
      delivered: bytes / p.bytes,
      cpuClient,
    }
  },
}

module.exports = { server, clients }
