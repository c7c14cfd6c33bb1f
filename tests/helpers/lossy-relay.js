// @ts-check
'use strict'
// A UDP relay between one client and one server that drops, duplicates, reorders, delays and
// corrupts datagrams at set rates, from a seeded PRNG so a failing run can be replayed.
const dgram = require('node:dgram')

/**
 * @typedef {object} Impairment
 * @property {number} [drop] probability of dropping a datagram
 * @property {number} [duplicate] probability of sending it twice
 * @property {number} [reorder] probability of holding it back until the next one has passed
 * @property {number} [corrupt] probability of flipping one of its bytes
 * @property {number} [delayMs] fixed extra delay
 * @property {number} [seed]
 */

/** A small deterministic PRNG (mulberry32). @param {number} seed */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class LossyRelay {
  /**
   * @param {number} serverPort
   * @param {Impairment} impairment applied both ways
   */
  constructor(serverPort, impairment) {
    this.serverPort = serverPort
    this.impairment = impairment
    this.random = prng(impairment.seed ?? 1)
    this.socket = dgram.createSocket('udp4')
    /** @type {{ port: number, address: string } | null} */
    this.client = null
    /** @type {Map<string, { msg: Buffer, port: number }>} held back for reordering, per direction */
    this.held = new Map()
    /** @type {Set<NodeJS.Timeout>} */
    this.timers = new Set()
    this.stats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 }
    /** @type {dgram.Socket | null} the client side's new port after a rebinding */
    this.upstream = null
    this.socket.on('message', (msg, rinfo) => this.relay(msg, rinfo))
  }

  async start() {
    await new Promise((r) => this.socket.bind(0, '127.0.0.1', () => r(undefined)))
    return this.socket.address().port
  }

  /**
   * NAT rebinding: from now on the client's datagrams reach the server from a new port, and the
   * server's replies to that port come back to the client.
   */
  async rebind() {
    const upstream = dgram.createSocket('udp4')
    await new Promise((r) => upstream.bind(0, '127.0.0.1', () => r(undefined)))
    upstream.on('message', (msg) => {
      if (this.client) this.socket.send(msg, this.client.port, '127.0.0.1')
    })
    this.upstream = upstream
    return upstream.address().port
  }

  /** @param {Buffer} msg @param {import('node:dgram').RemoteInfo} rinfo */
  relay(msg, rinfo) {
    const fromServer = rinfo.port === this.serverPort
    if (!fromServer) this.client = { port: rinfo.port, address: rinfo.address }
    if (fromServer && this.client == null) return
    const port = fromServer ? /** @type {{ port: number }} */ (this.client).port : this.serverPort
    const dir = fromServer ? 'down' : 'up'
    const imp = this.impairment
    if (imp.drop && this.random() < imp.drop) {
      this.stats.dropped++
      return
    }
    let out = msg
    if (imp.corrupt && this.random() < imp.corrupt) {
      out = Buffer.from(msg)
      out[Math.floor(this.random() * out.length)] ^= 1 << Math.floor(this.random() * 8)
      this.stats.corrupted++
    }
    const copies = imp.duplicate && this.random() < imp.duplicate ? 2 : 1
    if (copies === 2) this.stats.duplicated++
    if (imp.reorder && this.random() < imp.reorder && !this.held.has(dir)) {
      this.held.set(dir, { msg: out, port })
      this.stats.reordered++
      return
    }
    for (let i = 0; i < copies; i++) this.emit(out, port)
    const held = this.held.get(dir)
    if (held) {
      this.held.delete(dir)
      this.emit(held.msg, held.port)
    }
  }

  /** @param {Buffer} msg @param {number} port */
  emit(msg, port) {
    this.stats.forwarded++
    if (this.upstream != null && port === this.serverPort) {
      this.upstream.send(msg, port, '127.0.0.1')
      return
    }
    const delay = this.impairment.delayMs ?? 0
    if (delay === 0) {
      this.socket.send(msg, port, '127.0.0.1')
      return
    }
    const t = setTimeout(() => {
      this.timers.delete(t)
      this.socket.send(msg, port, '127.0.0.1')
    }, delay)
    this.timers.add(t)
  }

  close() {
    for (const t of this.timers) clearTimeout(t)
    this.upstream?.close()
    return new Promise((r) => this.socket.close(() => r(undefined)))
  }
}

module.exports = { LossyRelay, prng }
