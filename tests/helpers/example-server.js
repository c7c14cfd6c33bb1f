// @ts-check
'use strict'
// examples/http3-server.js started as a user would, by its command line: resolves with the port
// it printed and `stop` (SIGTERM, resolving with its exit code).
const path = require('node:path')
const { spawn } = require('node:child_process')
const { fx } = require('./aioquic.js')

async function startExampleServer() {
  const example = spawn(
    process.execPath,
    [path.join(__dirname, '..', '..', 'examples', 'http3-server.js'), '--host', '127.0.0.1', '--port', '0'].concat([
      '--cert',
      fx('server-ec.crt'),
      '--key',
      fx('server-ec.key'),
    ]),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = new Promise((resolve) => example.once('exit', resolve))
  const line = await new Promise((resolve, reject) => {
    example.stdout.once('data', (d) => resolve(String(d)))
    example.once('exit', (code) => reject(new Error(`the example exited with ${code}`)))
  })
  return {
    port: /** @type {{ port: number }} */ (JSON.parse(/** @type {string} */ (line))).port,
    stop: () => {
      example.kill('SIGTERM')
      return exited
    },
  }
}

module.exports = { startExampleServer }
