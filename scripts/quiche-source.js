// @ts-check
'use strict'
// Prepares the quiche source that Cargo.toml's `[patch.crates-io]` points at: the published crate,
// checked against its crates.io checksum, with this project's patches (`patches/quiche-*.patch`)
// applied. The patches fix quiche bugs whose upstream fixes are not released yet; each says which.
// Every build runs this first (`npm run build`, `scripts/cargo.js`); it does nothing when the
// source is already there with the same crate and patches (`node scripts/quiche-source.js`).
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const VERSION = '0.30.0'
// From Cargo.lock before the patch: what crates.io serves for quiche 0.30.0.
const SHA256 = '52b35a721a2a56797347929745fa783fc99e680d9484b80324ce40106b75493a'
const ROOT = path.join(__dirname, '..')
const DEST = path.join(ROOT, 'vendor', `quiche-${VERSION}`)
const STAMP = path.join(DEST, '.patched')

/** @param {string | Buffer} data */
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex')

function patchFiles() {
  const dir = path.join(ROOT, 'patches')
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`quiche-${VERSION}-`) && f.endsWith('.patch'))
    .sort()
    .map((f) => path.join(dir, f))
}

/** The published crate from cargo's download cache, if it is there. */
function cachedArchive() {
  const home = process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo')
  const cache = path.join(home, 'registry', 'cache')
  if (!fs.existsSync(cache)) return null
  for (const index of fs.readdirSync(cache)) {
    const candidate = path.join(cache, index, `quiche-${VERSION}.crate`)
    if (fs.existsSync(candidate)) {
      const data = fs.readFileSync(candidate)
      if (sha256(data) === SHA256) return data
    }
  }
  return null
}

/** Has cargo download the crate into its cache, through whatever registry and proxy it is set up for. */
function cargoFetch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiche-fetch-'))
  try {
    fs.writeFileSync(
      path.join(dir, 'Cargo.toml'),
      `[package]\nname = "quiche-fetch"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "lib.rs"\n` +
        `[dependencies]\nquiche = { version = "=${VERSION}", default-features = false }\n`,
    )
    fs.writeFileSync(path.join(dir, 'lib.rs'), '')
    execFileSync('cargo', ['fetch', '--manifest-path', path.join(dir, 'Cargo.toml')], { stdio: 'inherit' })
  } catch {
    // The direct download below is the last way.
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The crate archive: cargo's cache (filled by cargo if need be), else crates.io directly. */
async function crateArchive() {
  const cached = cachedArchive()
  if (cached != null) return cached
  cargoFetch()
  const fetched = cachedArchive()
  if (fetched != null) return fetched
  const file = `quiche-${VERSION}.crate`
  const url = `https://static.crates.io/crates/quiche/${file}`
  const res = await fetch(url)
  if (!res.ok) throw new Error(`quiche-source: ${url} answered ${res.status}`)
  const data = Buffer.from(await res.arrayBuffer())
  if (sha256(data) !== SHA256) throw new Error(`quiche-source: ${url} is not the published crate (checksum differs)`)
  return data
}

/**
 * Applies a unified diff to the tree at `dir`. Strict on purpose: every hunk's lines must be
 * found exactly (at the line it names, or the nearest place if the patches before it in name
 * order moved them), or the patch no longer fits this source and the build stops.
 * @param {string} dir
 * @param {string} patchFile
 */
function applyPatch(dir, patchFile) {
  const lines = fs.readFileSync(patchFile, 'utf8').split('\n')
  const name = path.basename(patchFile)
  let i = 0
  while (i < lines.length) {
    if (!lines[i].startsWith('--- ')) {
      i++
      continue
    }
    const target = /^\+\+\+ b\/(\S+)/.exec(lines[i + 1] ?? '')
    if (target == null) throw new Error(`quiche-source: ${name}: no +++ line after line ${i + 1}`)
    const file = path.join(dir, target[1])
    const source = fs.readFileSync(file, 'utf8').split('\n')
    i += 2
    // Hunks apply bottom-up so the line numbers of the ones above stay true.
    /** @type {{ start: number, old: string[], next: string[] }[]} */
    const hunks = []
    while (i < lines.length && lines[i].startsWith('@@')) {
      const header = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(lines[i])
      if (header == null) throw new Error(`quiche-source: ${name}: bad hunk header at line ${i + 1}`)
      const hunk = {
        start: Number(header[1]) - 1,
        old: /** @type {string[]} */ ([]),
        next: /** @type {string[]} */ ([]),
      }
      i++
      for (; i < lines.length && /^[ +\-\\]/.test(lines[i]) && !lines[i].startsWith('--- '); i++) {
        const body = lines[i].slice(1)
        if (lines[i][0] === ' ' || lines[i][0] === '-') hunk.old.push(body)
        if (lines[i][0] === ' ' || lines[i][0] === '+') hunk.next.push(body)
      }
      hunks.push(hunk)
    }
    for (const hunk of hunks.reverse()) {
      const at = findHunk(source, hunk.old, hunk.start)
      if (at < 0) throw new Error(`quiche-source: ${name} does not apply to ${target[1]} at line ${hunk.start + 1}`)
      source.splice(at, hunk.old.length, ...hunk.next)
    }
    fs.writeFileSync(file, source.join('\n'))
  }
}

/**
 * Where `old` stands in `source`, exactly: at `start` if it is there, else the nearest line it
 * starts at; -1 when nowhere.
 * @param {string[]} source @param {string[]} old @param {number} start
 */
function findHunk(source, old, start) {
  const matches = (/** @type {number} */ at) => old.every((line, i) => source[at + i] === line)
  for (let d = 0; d < source.length; d++) {
    if (start - d >= 0 && matches(start - d)) return start - d
    if (d > 0 && start + d + old.length <= source.length && matches(start + d)) return start + d
  }
  return -1
}

async function ensureQuicheSource() {
  const patches = patchFiles()
  const stamp = sha256([SHA256, ...patches.map((p) => sha256(fs.readFileSync(p)))].join('\n'))
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === stamp) return

  const archive = await crateArchive()
  fs.mkdirSync(path.dirname(DEST), { recursive: true })
  const work = fs.mkdtempSync(path.join(path.dirname(DEST), '.quiche-'))
  try {
    const file = path.join(work, 'quiche.crate')
    fs.writeFileSync(file, archive)
    execFileSync('tar', ['-xzf', 'quiche.crate'], { cwd: work, stdio: 'inherit' })
    const src = path.join(work, `quiche-${VERSION}`)
    for (const p of patches) applyPatch(src, p)
    fs.writeFileSync(path.join(src, '.patched'), stamp)
    fs.rmSync(DEST, { recursive: true, force: true })
    fs.renameSync(src, DEST)
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
  console.error(`quiche-source: quiche ${VERSION} with ${patches.map((p) => path.basename(p)).join(', ')}`)
}

module.exports = { ensureQuicheSource }

if (require.main === module) {
  ensureQuicheSource().catch((err) => {
    console.error(err.message)
    process.exit(1)
  })
}
