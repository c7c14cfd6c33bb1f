// @ts-check
'use strict'
// The simulation's network: sockets that look like `dgram` sockets to QUICSocket (send, the
// `message` event, address, close) and a link between them with seeded impairments: loss,
// duplication, reordering, corruption, delay with jitter, a bandwidth limit with a bounded queue
// (tail drop), and a NAT in front of the client whose mapping can change (a rebinding: the
// client's next datagram leaves from a new port, and from then on the old one reaches nobody). Delivery
// is an event on the virtual clock; every decision comes from the seeded PRNG, in packet order.
const { EventEmitter } = require('node:events')

/**
 * @typedef {object} LinkPlan
 * @property {number} loss probability a datagram is dropped
 * @property {number} duplicate probability it arrives twice
 * @property {number} reorder probability it is held back (arrives after later ones)
 * @property {number} corrupt probability one of its bytes is flipped
 * @property {number} delayMs one-way delay
 * @property {number} jitterMs up to this much more, at random
 * @property {number} bytesPerMs bandwidth (0: unlimited)
 * @property {number} queueMs the longest a datagram waits for the link before it is dropped
 */

class SimSocket extends EventEmitter {
  /** @param {SimNetwork} net @param {string} ip @param {number} port */
  constructor(net, ip, port) {
    super()
    this.net = net
    this.ip = ip
    this.port = port
    this.closed = false
  }

  address() {
    return { address: this.ip, port: this.port, family: 'IPv4' }
  }

  setRecvBufferSize() {}
  setSendBufferSize() {}

  /**
   * @param {Uint8Array} packet
   * @param {number} port
   * @param {string} ip
   * @param {(err: Error | null, bytes?: number) => void} [cb]
   */
  send(packet, port, ip, cb) {
    if (!this.closed) this.net.transmit(this, packet, ip, port)
    // dgram completes a send later, never inside the call.
    if (cb != null) this.net.clock.api.setImmediate(() => cb(null, packet.byteLength))
  }

  /** @param {() => void} [cb] */
  close(cb) {
    this.closed = true
    this.net.unbind(this)
    if (cb != null) this.net.clock.api.setImmediate(cb)
  }
}

class SimNetwork {
  /**
   * @param {import('./virtual-clock.js')} clock
   * @param {() => number} random
   * @param {LinkPlan} link the impairments of both directions
   */
  constructor(clock, random, link) {
    this.clock = clock
    this.random = random
    this.link = link
    /** `ip:port` → socket, as datagrams find them. @type {Map<string, SimSocket>} */
    this.bound = new Map()
    /** The NAT: a socket behind it → its public `ip:port`, and back. @type {Map<SimSocket, { ip: string, port: number }>} */
    this.nat = new Map()
    /** Rebindings that take effect with the socket's next datagram. @type {Map<SimSocket, { ip: string, port: number }>} */
    this.pending = new Map()
    /** When each direction's link is free again (virtual ms), by sender. @type {Map<SimSocket, number>} */
    this.busyUntil = new Map()
    this.stats = { sent: 0, delivered: 0, lost: 0, queueDrops: 0, duplicated: 0, reordered: 0, corrupted: 0 }
  }

  /** A socket bound at `ip:port`. @param {string} ip @param {number} port */
  socket(ip, port) {
    const s = new SimSocket(this, ip, port)
    this.bound.set(`${ip}:${port}`, s)
    return s
  }

  /** @param {SimSocket} s */
  unbind(s) {
    for (const [key, t] of this.bound) if (t === s) this.bound.delete(key)
  }

  /**
   * Puts `inside` behind a NAT: its datagrams come from `ip:port`, and only datagrams to that
   * address reach it. Calling it again is a rebinding: the old mapping is gone.
   * @param {SimSocket} inside @param {string} ip @param {number} port
   */
  map(inside, ip, port) {
    const old = this.nat.get(inside)
    if (old != null) this.bound.delete(`${old.ip}:${old.port}`)
    this.nat.set(inside, { ip, port })
    this.bound.set(`${ip}:${port}`, inside)
  }

  /**
   * A NAT rebinding: `inside`'s next datagram leaves from `ip:port`, and from then on datagrams
   * to its old address reach nobody (as when a NAT lost its mapping and makes a new one).
   * @param {SimSocket} inside @param {string} ip @param {number} port
   */
  rebind(inside, ip, port) {
    this.pending.set(inside, { ip, port })
  }

  /** @param {SimSocket} from @param {Uint8Array} packet @param {string} ip @param {number} port */
  transmit(from, packet, ip, port) {
    const { link, random, clock } = this
    this.stats.sent++
    const next = this.pending.get(from)
    if (next != null) {
      this.pending.delete(from)
      this.map(from, next.ip, next.port)
    }
    const source = this.nat.get(from) ?? { ip: from.ip, port: from.port }
    if (random() < link.loss) {
      this.stats.lost++
      return
    }
    // The link: serialisation at its bandwidth, behind what is queued; a full queue drops.
    let departs = clock.t
    if (link.bytesPerMs > 0) {
      const free = Math.max(clock.t, this.busyUntil.get(from) ?? 0)
      if (free - clock.t > link.queueMs) {
        this.stats.queueDrops++
        return
      }
      departs = free + packet.byteLength / link.bytesPerMs
      this.busyUntil.set(from, departs)
    }
    const copies = random() < link.duplicate ? 2 : 1
    if (copies === 2) this.stats.duplicated++
    for (let c = 0; c < copies; c++) {
      let arrives = departs + link.delayMs + random() * link.jitterMs
      if (random() < link.reorder) {
        this.stats.reordered++
        arrives += link.delayMs + 2
      }
      const data = Buffer.from(packet)
      if (random() < link.corrupt) {
        this.stats.corrupted++
        const i = Math.floor(random() * data.length)
        data[i] ^= 1 + Math.floor(random() * 255)
      }
      clock.at(arrives, () => {
        const to = this.bound.get(`${ip}:${port}`)
        if (to == null || to.closed) return
        this.stats.delivered++
        to.emit('message', data, { address: source.ip, port: source.port, family: 'IPv4', size: data.length })
      })
    }
  }
}

module.exports = { SimNetwork, SimSocket }
