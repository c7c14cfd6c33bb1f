// @ts-check
'use strict'
// A long bulk transfer (server in a child process, client here) to profile the steady state:
// `node benches/profile-bulk.js [MiB]`, under `perf record -g` (with NODE_OPTIONS=--perf-basic-prof
// for JS frames) or with `--cpu-prof`. The bench suite's 64 MiB is too short for either.
const path = require('node:path')
const { fork } = require('node:child_process')
const family = require('./impl/quic-family.js')

const MiB = 1024 * 1024
const bytes = Number(process.argv[2] ?? 1024) * MiB
const impl = family(require('../index.js'))
const server = fork(path.join(__dirname, 'peer.js'), ['quic', 'server', 'bulk'], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
server.once('message', async (/** @type {any} */ m) => {
  try {
    const r = /** @type {any} */ (await impl.clients.bulk(m.port, { bytes, chunk: 256 * 1024 }))
    console.log(
      `bulk ${bytes / MiB} MiB: ${r.mbPerSecond.toFixed(0)} MB/s, client CPU ${(r.cpuClient / (bytes / MiB)).toFixed(4)} s/MB`,
    )
  } finally {
    server.send({ cmd: 'stop' })
  }
})
