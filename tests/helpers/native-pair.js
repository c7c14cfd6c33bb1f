// @ts-check
'use strict'
// Two native connections joined in memory: the driver loop of the JS layer (send into one
// caller-owned buffer, deliver each packet, poll), without sockets. Used by tests and benches.
const native = require('../../src/native.js')
const { createNativeConfig } = require('../../src/native-options.js')
const fixtures = require('./fixtures.js')

const MAX_PACKETS = 64
const MAX_ROUNDS = 200

/** @returns {import('../../src/native/binding').ConfigOptions} */
function baseOptions() {
  return {
    applicationProtos: ['quic-test'],
    maxIdleTimeout: 5000,
    initialMaxData: 16 * 1024 * 1024,
    initialMaxStreamDataBidiLocal: 4 * 1024 * 1024,
    initialMaxStreamDataBidiRemote: 4 * 1024 * 1024,
    initialMaxStreamDataUni: 4 * 1024 * 1024,
    initialMaxStreamsBidi: 100,
    initialMaxStreamsUni: 100,
    enableDgram: true,
    activeConnectionIdLimit: 4,
  }
}

const serverOptions = () => ({ ...baseOptions(), key: fixtures.ec.key, cert: fixtures.ec.cert })
const clientOptions = () => ({ ...baseOptions(), verifyPeer: true, ca: fixtures.ca })

class NativePair {
  /**
   * @param {{ client?: import('../../src/native/binding').ConfigOptions,
   *           server?: import('../../src/native/binding').ConfigOptions,
   *           serverName?: string | null }} [opts]
   */
  constructor(opts = {}) {
    this.clientConfig = createNativeConfig(opts.client ?? clientOptions())
    this.serverConfig = createNativeConfig(opts.server ?? serverOptions())
    this.caddr = native.encodeAddress('127.0.0.1', 50000)
    this.saddr = native.encodeAddress('127.0.0.1', 4433)
    this.client = native.Connection.connect(
      this.clientConfig,
      opts.serverName === undefined ? 'localhost' : opts.serverName,
      native.generateConnectionId(),
      this.caddr,
      this.saddr,
    )
    /** @type {import('../../src/native/binding').Connection | null} */
    this.server = null
    this.out = Buffer.alloc(MAX_PACKETS * 1500)
    this.meta = new Uint32Array(1 + 2 * MAX_PACKETS)
    this.packets = 0
    this.bytes = 0
  }

  /**
   * Sends all `from` has ready into `to`; `keep(i)` decides whether packet i arrives.
   * @param {import('../../src/native/binding').Connection} from
   * @param {import('../../src/native/binding').Connection} to
   * @param {Uint8Array} fromAddr
   * @param {(i: number) => boolean} [keep]
   */
  flight(from, to, fromAddr, keep) {
    let total = 0
    for (;;) {
      const n = from.send(this.out, this.meta)
      let off = 0
      for (let i = 0; i < n; i++) {
        const len = this.meta[1 + 2 * i]
        if (keep === undefined || keep(total + i)) {
          try {
            to.recv(this.out.subarray(off, off + len), fromAddr)
          } catch {
            // A failing packet closes the receiver; the tests look at its state.
          }
        }
        off += len
        this.bytes += len
      }
      total += n
      if (n < MAX_PACKETS) break
    }
    this.packets += total
    return total
  }

  /** Creates the server connection from the client's first Initial. */
  firstFlight() {
    const n = this.client.send(this.out, this.meta)
    if (n < 1) throw new Error('the client sent no Initial')
    let off = 0
    for (let i = 0; i < n; i++) {
      const len = this.meta[1 + 2 * i]
      const pkt = this.out.subarray(off, off + len)
      if (this.server == null) {
        const hdr = native.parseHeader(Buffer.from(pkt), 20)
        if (hdr.type !== 'initial') throw new Error(`first packet is ${hdr.type}`)
        this.server = native.Connection.accept(
          this.serverConfig,
          native.generateConnectionId(),
          null,
          this.saddr,
          this.caddr,
        )
      }
      this.server.recv(pkt, this.caddr)
      off += len
    }
  }

  /** Exchanges packets until both sides are quiet (bounded). @param {(i: number) => boolean} [keep] */
  advance(keep) {
    if (this.server == null) this.firstFlight()
    const server = /** @type {import('../../src/native/binding').Connection} */ (this.server)
    for (let r = 0; r < MAX_ROUNDS; r++) {
      const a = this.flight(this.client, server, this.caddr, keep)
      const b = this.flight(server, this.client, this.saddr, keep)
      if (a + b === 0) return
    }
    throw new Error(`the pair did not settle in ${MAX_ROUNDS} rounds`)
  }

  /** The server connection (after the first flight). */
  get srv() {
    if (this.server == null) throw new Error('no server connection yet')
    return this.server
  }
}

module.exports = { NativePair, baseOptions, serverOptions, clientOptions }
