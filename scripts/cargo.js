// @ts-check
'use strict'
// Runs a cargo command for the host triple, as `napi build` does, so both share one build
// (and one BoringSSL) in the target directory: `node scripts/cargo.js test --release`.
const { execFileSync, spawnSync } = require('node:child_process')
const { ensureQuicheSource } = require('./quiche-source.js')

const host = /host: (\S+)/.exec(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))
if (host == null) throw new Error('rustc -vV did not name the host triple')
const [command, ...rest] = process.argv.slice(2)
ensureQuicheSource().then(
  () => {
    const r = spawnSync('cargo', [command, '--target', host[1], ...rest], { stdio: 'inherit' })
    process.exit(r.status ?? 1)
  },
  (err) => {
    console.error(err.message)
    process.exit(1)
  },
)
