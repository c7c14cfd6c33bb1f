// @ts-check
'use strict'
// After `napi build`: writes THIRD_PARTY_NOTICES.md (scripts/notices.js) and copies the freshly
// built addon, LICENSE and the notices into its per-platform package under packages/, so that
// package is complete and loadable as it would be from the registry. None of it is committed.
const fs = require('node:fs')
const path = require('node:path')
const { render, hostTarget } = require('./notices.js')

const root = path.join(__dirname, '..')
const native = path.join(root, 'src', 'native')
const notices = render(process.env.CARGO_BUILD_TARGET ?? hostTarget())
fs.writeFileSync(path.join(root, 'THIRD_PARTY_NOTICES.md'), notices)
for (const file of fs.readdirSync(native)) {
  const m = /^quic\.(.+)\.node$/.exec(file)
  if (m == null) continue
  const dir = path.join(root, 'packages', m[1])
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    console.error(`no package for platform ${m[1]} under packages/; the binary stays in src/native`)
    continue
  }
  fs.copyFileSync(path.join(native, file), path.join(dir, file))
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'))
  fs.writeFileSync(path.join(dir, 'THIRD_PARTY_NOTICES.md'), notices)
}
