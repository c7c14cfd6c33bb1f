// @ts-check
'use strict'
// The independent quinn peer (tests/interop/quinn-peer, a Rust echo server): built on first use
// with cargo (crates from crates.io, locked) into CARGO_TARGET_DIR (or target/ under the
// checkout), then started as a child process.
const { spawn, spawnSync } = require('node:child_process')
const path = require('node:path')
const readline = require('node:readline')

const root = path.join(__dirname, '..', '..')
const manifest = path.join(root, 'tests', 'interop', 'quinn-peer', 'Cargo.toml')
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target')

/** The peer's binary, built if needed; null (with the reason) if cargo cannot build it. */
function quinnPeer() {
  const r = spawnSync('cargo', ['build', '--release', '--locked', '--quiet', '--manifest-path', manifest], {
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    encoding: 'utf8',
  })
  if (r.status !== 0) return { binary: null, why: `cargo build failed: ${r.stderr || r.error}` }
  return { binary: path.join(targetDir, 'release', 'quinn-peer'), why: null }
}

/**
 * Starts the quinn echo server; resolves with its port and `stop`.
 * @param {string} binary @param {string} cert @param {string} key
 */
async function startQuinnServer(binary, cert, key) {
  const child = spawn(binary, ['--cert', cert, '--key', key], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const rl = readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) })
  const line = await new Promise((resolve, reject) => {
    rl.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`quinn-peer exited with ${code}`)))
  })
  return {
    port: /** @type {{ port: number }} */ (JSON.parse(line)).port,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

module.exports = { quinnPeer, startQuinnServer }
