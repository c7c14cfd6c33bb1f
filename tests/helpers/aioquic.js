// @ts-check
'use strict'
// The independent aioquic peer (tests/interop/aioquic_peer.py) as the interop tests and
// scripts/interop-loss.js start it: which Python runs it (the virtual environment
// scripts/setup.sh makes, else python3) and its echo server as a child process.
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const readline = require('node:readline')

const root = path.join(__dirname, '..', '..')
const peerScript = path.join(root, 'tests', 'interop', 'aioquic_peer.py')
const venvPython = path.join(root, '.venv', 'bin', 'python')
const python = fs.existsSync(venvPython) ? venvPython : 'python3'
const hasPython = spawnSync(python, ['--version']).status === 0
/** A file of the test PKI. @param {string} name */
const fx = (name) => path.join(root, 'tests', 'fixtures', name)

/**
 * Starts the aioquic echo server (EC certificate; `extra` arguments as the peer takes them);
 * resolves with its port and `stop`, which resolves with what the server wrote to stderr (with
 * `--loss`, its loss counts).
 * @param {string[]} [extra]
 */
async function startAioquicServer(extra = []) {
  // Its stdin is a pipe from this process: when this process ends, however, the server does too.
  const child = spawn(
    python,
    [peerScript, 'server', '--cert', fx('server-ec.crt'), '--key', fx('server-ec.key'), ...extra],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const rl = readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) })
  const line = await new Promise((resolve, reject) => {
    rl.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`aioquic server exited with ${code}: ${stderr}`)))
  })
  return {
    port: /** @type {{ port: number }} */ (JSON.parse(line)).port,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
      return stderr.trim()
    },
  }
}

/**
 * Runs a Python peer script as a one-shot client: resolves with the last JSON line it printed,
 * rejects if it exits with an error or outlives `timeoutMs`.
 * @param {string} script @param {string[]} args @param {number} [timeoutMs]
 * @returns {Promise<any>}
 */
function runPeer(script, args, timeoutMs = 90_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout?.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill(), timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`${path.basename(script)} exited with ${code}: ${out}`))
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}'))
    })
  })
}

/**
 * Starts a Python peer script as a server until the test ends: resolves with the port it
 * printed first, and what it writes to stderr so far.
 * @param {import('node:test').TestContext} t @param {string} script @param {string[]} args
 */
async function startPeerServer(t, script, args) {
  const child = spawn(python, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.after(async () => {
    child.kill('SIGTERM')
    await exited
  })
  const line = await new Promise((resolve, reject) => {
    child.stdout?.once('data', (d) => resolve(String(d)))
    child.once('exit', (code) => reject(new Error(`${path.basename(script)} exited with ${code}: ${stderr}`)))
  })
  return { port: /** @type {{ port: number }} */ (JSON.parse(/** @type {string} */ (line))).port, stderr: () => stderr }
}

module.exports = { python, hasPython, peerScript, fx, startAioquicServer, runPeer, startPeerServer }
