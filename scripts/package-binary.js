// @ts-check
'use strict'
// Copies the freshly built addon into its per-platform package under packages/, so that
// package is complete and loadable as it would be from the registry.
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const native = path.join(root, 'src', 'native')
for (const file of fs.readdirSync(native)) {
  const m = /^quic\.(.+)\.node$/.exec(file)
  if (m == null) continue
  const dir = path.join(root, 'packages', m[1])
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    console.error(`no package for platform ${m[1]} under packages/; the binary stays in src/native`)
    continue
  }
  fs.copyFileSync(path.join(native, file), path.join(dir, file))
}
