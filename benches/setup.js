// @ts-check
'use strict'
// Installs what `npm run bench` compares against beyond Node itself (the published @matrixai/quic
// 2.0.9, benches/package.json) into benches/node_modules, once. It stays out of the root package's
// dependencies: 2.0.9's own optional platform packages are not all on the registry, which no
// lockfile can record, so `npm ci` of the root would refuse it. Without the registry the bench
// still runs, without the 2.x column.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const dir = __dirname
if (!fs.existsSync(path.join(dir, 'node_modules', '@matrixai', 'quic-legacy', 'package.json'))) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const r = spawnSync(npm, ['install', '--no-package-lock', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' })
  if (r.status !== 0)
    console.error('benches/setup: @matrixai/quic 2.0.9 could not be installed; the legacy column will fail')
}
