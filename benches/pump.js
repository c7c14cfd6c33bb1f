// @ts-check
'use strict'
// The ceiling of the native core as the JS layer will drive it: two connections pumped through
// memory in one process (no sockets, no timers), one stream of bulk data client → server.
// Prints one JSON line per result. `node benches/pump.js [MiB] [runs]`.
const os = require('node:os')
const { NativePair, clientOptions, serverOptions } = require('../tests/helpers/native-pair.js')

const MiB = 1024 * 1024
const total = Number(process.argv[2] ?? 64) * MiB
const runs = Number(process.argv[3] ?? 3)

const windows = {
  initialMaxData: 64 * MiB,
  initialMaxStreamDataBidiLocal: 16 * MiB,
  initialMaxStreamDataBidiRemote: 16 * MiB,
  maxConnectionWindow: 64 * MiB,
  maxStreamWindow: 16 * MiB,
  // In memory there is no wire to pace for.
  enablePacing: false,
}

function bulk() {
  const p = new NativePair({ client: { ...clientOptions(), ...windows }, server: { ...serverOptions(), ...windows } })
  p.advance()
  const server = p.srv
  const id = /** @type {number} */ (p.client.openStream(true))
  const chunk = Buffer.alloc(256 * 1024, 7)
  let sent = 0
  let received = 0
  let fin = false
  const packets0 = p.packets
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let round = 0; !fin && round < 1_000_000; round++) {
    while (sent < total) {
      const n = p.client.streamSend(
        id,
        chunk.subarray(0, Math.min(chunk.length, total - sent)),
        sent + chunk.length >= total,
      )
      if (n === 0) break
      sent += n
    }
    p.flight(p.client, server, p.caddr)
    server.poll()
    for (;;) {
      const c = server.streamRead(id, 4 * MiB)
      if (c == null) break
      received += c.data.length
      if (c.fin) fin = true
    }
    p.flight(server, p.client, p.saddr)
    p.client.poll()
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  if (received !== total) throw new Error(`received ${received} of ${total}`)
  const packets = p.packets - packets0
  return {
    bench: 'pump-bulk',
    bytes: total,
    seconds,
    mbPerSecond: total / MiB / seconds,
    packetsPerSecond: packets / seconds,
    cpuSecondsPerMB: (cpu.user + cpu.system) / 1e6 / (total / MiB),
  }
}

function handshakes() {
  const n = 200
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) new NativePair().advance()
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  return { bench: 'pump-handshake', count: n, seconds, handshakesPerSecond: n / seconds }
}

const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }
for (let r = 0; r < runs; r++) {
  console.log(JSON.stringify({ run: r, ...bulk(), machine }))
}
console.log(JSON.stringify({ ...handshakes(), machine }))
