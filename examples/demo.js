// @ts-check
'use strict'
// Demo over loopback: a QUIC server and client on two UDP sockets, driven by the native core.
// Several streams echo both ways, then a bulk transfer with a progress line, then a summary
// from the connection's stats. `npm run demo [-- MiB]`.
const crypto = require('node:crypto')
const dgram = require('node:dgram')
const { native, createNativeConfig } = require('../index.js')
const fixtures = require('../tests/helpers/fixtures.js')

const MiB = 1024 * 1024
const BULK = Number(process.argv[2] ?? 64) * MiB
const MAX_PACKETS = 64
const CID_LEN = 20

const transport = {
  applicationProtos: ['quic-demo'],
  maxIdleTimeout: 10_000,
  initialMaxData: 32 * MiB,
  initialMaxStreamDataBidiLocal: 8 * MiB,
  initialMaxStreamDataBidiRemote: 8 * MiB,
  initialMaxStreamsBidi: 100,
  maxConnectionWindow: 32 * MiB,
  maxStreamWindow: 8 * MiB,
}

/**
 * Drives one native connection over a UDP socket: feed datagrams, flush packets, keep one timer.
 * `onEvents` sees what each poll reports.
 */
class Driver {
  /**
   * @param {import('../src/native/binding').Connection} conn
   * @param {dgram.Socket} socket
   * @param {Uint8Array} peer encoded peer address
   * @param {(d: Driver, ev: import('../src/native/binding').ConnectionEvents) => void} onEvents
   */
  constructor(conn, socket, peer, onEvents) {
    this.conn = conn
    this.socket = socket
    this.peer = peer
    this.onEvents = onEvents
    this.meta = new Uint32Array(1 + 2 * MAX_PACKETS)
    this.generation = -1
    /** @type {{ host: string, port: number }[]} */
    this.dests = []
    /** @type {NodeJS.Timeout | null} */
    this.timer = null
    this.flushQueued = false
    this.serviceQueued = false
    this.scratch = Buffer.allocUnsafe(MAX_PACKETS * 1500)
    /** Data a stream could not take yet (its flow-control or congestion window was full). @type {Map<number, { data: Buffer, fin: boolean }>} */
    this.pending = new Map()
  }

  /**
   * Writes to a stream, queueing what does not fit until the stream is writable again.
   * @param {number} id
   * @param {Buffer} data
   * @param {boolean} fin
   */
  write(id, data, fin) {
    const queued = this.pending.get(id)
    this.pending.set(id, { data: queued ? Buffer.concat([queued.data, data]) : data, fin })
    this.drain(id)
    this.markDirty()
  }

  /** @param {number} id */
  drain(id) {
    const p = this.pending.get(id)
    if (p == null) return
    const n = this.conn.streamSend(id, p.data, p.fin)
    if (n === p.data.length && (n > 0 || p.fin)) {
      this.pending.delete(id)
    } else {
      p.data = p.data.subarray(n)
      // Reported in poll().writable once this much fits.
      this.conn.streamWritable(id, Math.min(p.data.length, 1350))
    }
  }

  /** @param {Buffer} msg */
  receive(msg) {
    try {
      this.conn.recv(msg, this.peer)
    } catch {
      // The connection closes itself on a fatal packet; the poll below reports it.
    }
    // Service once after the whole batch of datagrams this loop turn delivers.
    if (this.serviceQueued) return
    this.serviceQueued = true
    setImmediate(() => {
      this.serviceQueued = false
      this.service()
    })
  }

  service() {
    const ev = this.conn.poll()
    for (const id of ev.writable) this.drain(id)
    this.onEvents(this, ev)
    this.flush()
  }

  /** Queues one flush for this turn of the event loop. */
  markDirty() {
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => {
      this.flushQueued = false
      this.flush()
    })
  }

  flush() {
    for (;;) {
      const n = this.conn.send(this.scratch, this.meta)
      if (n === 0) break
      let size = 0
      for (let i = 0; i < n; i++) size += this.meta[1 + 2 * i]
      // dgram reads the bytes after this call returns: hand it a copy of just what was written.
      const out = Buffer.from(this.scratch.subarray(0, size))
      if (this.meta[0] !== this.generation) {
        this.generation = this.meta[0]
        this.dests = this.conn.destinations()
      }
      let off = 0
      for (let i = 0; i < n; i++) {
        const len = this.meta[1 + 2 * i]
        const to = this.dests[this.meta[2 + 2 * i]]
        this.socket.send(out.subarray(off, off + len), to.port, to.host)
        off += len
      }
      if (n < MAX_PACKETS) break
    }
    this.arm()
  }

  arm() {
    if (this.timer != null) clearTimeout(this.timer)
    const t = this.conn.timeout()
    this.timer = t == null ? null : setTimeout(() => {
      this.timer = null
      this.conn.onTimeout()
      this.service()
    }, Math.ceil(t))
  }
}

/** @param {dgram.Socket} s */
const bound = (s) => new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address())))

async function main() {
  const serverSocket = dgram.createSocket('udp4')
  const clientSocket = dgram.createSocket('udp4')
  for (const s of [serverSocket, clientSocket]) {
    s.on('error', (e) => console.error('socket error', e.message))
  }
  const sa = await bound(serverSocket)
  const ca = await bound(clientSocket)
  for (const s of [serverSocket, clientSocket]) {
    s.setRecvBufferSize(4 * MiB)
    s.setSendBufferSize(4 * MiB)
  }
  const saddr = native.encodeAddress(sa.address, sa.port)
  const caddr = native.encodeAddress(ca.address, ca.port)

  // Server: answer every stream, once its FIN arrives, with its length and SHA-256.
  const serverConfig = createNativeConfig({ ...transport, key: fixtures.ec.key, cert: fixtures.ec.cert })
  /** @type {Map<string, Driver>} */
  const routes = new Map()
  /** @type {Map<number, { hash: crypto.Hash, length: number }>} */
  const digests = new Map()
  const echo = (/** @type {Driver} */ d, /** @type {import('../src/native/binding').ConnectionEvents} */ ev) => {
    for (const cid of ev.scidsIssued) routes.set(cid.toString('latin1'), d)
    for (const id of ev.readable) {
      let st = digests.get(id)
      if (st == null) digests.set(id, (st = { hash: crypto.createHash('sha256'), length: 0 }))
      for (;;) {
        const c = d.conn.streamRead(id, 4 * MiB)
        if (c == null) break
        st.hash.update(c.data)
        st.length += c.data.length
        if (c.fin) {
          d.write(id, Buffer.from(`${st.length} ${st.hash.digest('hex')}`), true)
          digests.delete(id)
          break
        }
      }
    }
  }
  serverSocket.on('message', (msg, rinfo) => {
    // Long header: DCID length at byte 5; short header: our fixed CID length after byte 0.
    const long = (msg[0] & 0x80) !== 0
    const dcid = long ? msg.subarray(6, 6 + msg[5]) : msg.subarray(1, 1 + CID_LEN)
    let d = routes.get(dcid.toString('latin1'))
    if (d == null) {
      if (!long) return
      const hdr = native.parseHeader(Buffer.from(msg), CID_LEN)
      if (hdr.type !== 'initial') return
      const peer = native.encodeAddress(rinfo.address, rinfo.port)
      const scid = native.generateConnectionId(CID_LEN)
      d = new Driver(native.Connection.accept(serverConfig, scid, null, saddr, peer), serverSocket, peer, echo)
      routes.set(scid.toString('latin1'), d)
      routes.set(hdr.dcid.toString('latin1'), d)
    }
    d.receive(msg)
  })

  // Client.
  const clientConfig = createNativeConfig({ ...transport, verifyPeer: true, ca: fixtures.ca })
  const conn = native.Connection.connect(clientConfig, 'localhost', native.generateConnectionId(CID_LEN), caddr, saddr)
  /** @type {Map<number, Buffer[]>} */
  const replies = new Map()
  /** @type {Map<number, (b: Buffer) => void>} */
  const done = new Map()
  /** @type {() => void} */
  let onEstablished = () => {}
  /** @type {() => void} */
  let onWritable = () => {}
  let bulkId = -1
  const client = new Driver(conn, clientSocket, saddr, (_d, ev) => {
    if (ev.isEstablished) onEstablished()
    if (ev.writable.includes(bulkId)) onWritable()
    for (const id of ev.readable) {
      for (;;) {
        const c = conn.streamRead(id, 4 * MiB)
        if (c == null) break
        const list = replies.get(id) ?? []
        list.push(c.data)
        replies.set(id, list)
        if (c.fin) {
          // A finished stream is gone from the connection: no more reads.
          done.get(id)?.(Buffer.concat(list))
          break
        }
      }
    }
  })
  clientSocket.on('message', (msg) => client.receive(msg))
  const t0 = performance.now()
  client.flush()
  await new Promise((resolve) => (onEstablished = () => resolve(undefined)))
  console.log(`handshake: ${(performance.now() - t0).toFixed(1)} ms, ALPN ${conn.applicationProto()}`)

  // Several streams at once; the server answers each with its length and digest.
  const expect = (/** @type {Buffer} */ b) => `${b.length} ${crypto.createHash('sha256').update(b).digest('hex')}`
  const echoes = []
  bulkId = /** @type {number} */ (conn.openStream(true))
  for (let i = 0; i < 8; i++) {
    const id = /** @type {number} */ (conn.openStream(true))
    const msg = Buffer.from(`hello on stream ${id} `.repeat(100 * (i + 1)))
    client.write(id, msg, true)
    echoes.push(new Promise((resolve) => done.set(id, (b) => resolve(b.toString() === expect(msg)))))
  }
  client.markDirty()
  const ok = await Promise.all(echoes)
  console.log(`streams: ${ok.filter(Boolean).length}/${ok.length} answered with the right length and SHA-256`)

  // Bulk client → server, writing as flow control allows.
  const chunk = Buffer.alloc(1 * MiB, 0x5a)
  let sent = 0
  const tBulk = performance.now()
  const bulkHash = crypto.createHash('sha256')
  const bulkDone = new Promise((resolve) => done.set(bulkId, (b) => resolve(b.toString())))
  let lastPrint = 0
  const pump = () => {
    while (sent < BULK) {
      const piece = chunk.subarray(0, Math.min(chunk.length, BULK - sent))
      const n = conn.streamSend(bulkId, piece, sent + piece.length >= BULK)
      bulkHash.update(piece.subarray(0, n))
      if (n === 0) {
        // Wake up once a packet's worth fits: the congestion window caps what a stream takes.
        conn.streamWritable(bulkId, 1350)
        break
      }
      sent += n
    }
    const now = performance.now()
    // A live line on a terminal; a line per second elsewhere (logs, CI).
    if (now - lastPrint > (process.stdout.isTTY ? 250 : 1000) || sent === BULK) {
      lastPrint = now
      const line = `bulk: ${(sent / MiB).toFixed(1)} / ${BULK / MiB} MiB sent`
      process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`)
    }
    client.markDirty()
  }
  onWritable = pump
  pump()
  const answer = await bulkDone
  const bulkOk = answer === `${BULK} ${bulkHash.digest('hex')}`
  const seconds = (performance.now() - tBulk) / 1000
  if (process.stdout.isTTY) process.stdout.write('\n')
  const stats = conn.stats()
  const [path0] = conn.pathStats()
  console.log(
    `bulk: ${bulkOk ? 'complete, length and SHA-256 match' : `MISMATCH (${answer})`}, ${(BULK / MiB / seconds).toFixed(1)} MB/s over ${seconds.toFixed(2)} s`,
  )
  console.log(
    `summary: rtt ${path0.rtt.toFixed(2)} ms (min ${path0.minRtt?.toFixed(2)}), packets sent ${stats.sent}, received ${stats.recv}, lost ${stats.lost}, cwnd ${path0.cwnd} B`,
  )
  conn.close(true, 0, Buffer.from('demo done'))
  client.flush()
  await new Promise((r) => setTimeout(r, 50))
  for (const d of [client, ...routes.values()]) if (d.timer) clearTimeout(d.timer)
  serverSocket.close()
  clientSocket.close()
  if (!bulkOk || !ok.every(Boolean)) process.exitCode = 1
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
