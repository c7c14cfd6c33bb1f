// @ts-check
'use strict'
// The JS suites on the other Node versions the package claims (`engines`: the oldest, 20.11.0,
// and the current LTS lines 22 and 24), each fetched from the npm registry (the `node` package)
// and run as `node --test` as `npm run test:js` runs it on this machine's Node. The addon is
// the same binary (Node-API is stable across versions).
//
//   node scripts/test-node-versions.js [version ...]   (default: 20.11.0 22 24)
//
// SUITES (a comma-separated list of test files) narrows the run; by default every suite but the
// simulation, whose virtual-time runs test this library's logic, not Node's (it runs in
// `npm test`).
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const versions = process.argv.slice(2)
if (versions.length === 0) versions.push('20.11.0', '22', '24')
const suites = (process.env.SUITES ? process.env.SUITES.split(',') : fs.readdirSync(path.join(root, 'tests')))
  .filter((f) => f.endsWith('.test.js') && (process.env.SUITES || f !== 'sim.test.js'))
  .map((f) => path.join('tests', path.basename(f)))

/** @type {string[]} */
const failed = []
for (const version of versions) {
  const t0 = Date.now()
  const nodeArgs = ['--test', '--test-concurrency=1', '--test-timeout=180000', ...suites]
  const cmd = ['-y', '-p', `node@${version}`, 'node', ...nodeArgs]
  const actual = execFileSync('npx', ['-y', '-p', `node@${version}`, 'node', '-v'], {
    cwd: root,
    encoding: 'utf8',
  }).trim()
  console.log(`== Node ${actual}: node ${nodeArgs.join(' ')}`)
  try {
    execFileSync('npx', cmd, { cwd: root, stdio: 'inherit', env: { ...process.env, QUIC_CHECK_DRIVER: '1' } })
    console.log(`== Node ${actual}: passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
  } catch {
    console.log(`== Node ${actual}: FAILED`)
    failed.push(actual)
  }
}
if (failed.length > 0) {
  console.error(`failed on Node ${failed.join(', ')}`)
  process.exit(1)
}
