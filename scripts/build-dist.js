// @ts-check
'use strict'
// The addon binaries that ship, for the Linux packages: each built with cargo-zigbuild (zig from
// PyPI's `ziglang`, cargo-zigbuild from crates.io; both installed on first use into a cache
// outside the checkout) against glibc 2.17 or musl, whatever glibc this machine has; then
// checked (ELF machine, the highest GLIBC_ symbol version, the libraries it needs) and copied
// with LICENSE and the notices into its package under packages/. With `--install`, also into
// src/native/, so the checkout's tests run on the binary that ships.
//
//   node scripts/build-dist.js [--install] [platform ...]   (default: this machine's platform)
//
// Platforms: linux-x64-gnu, linux-arm64-gnu, linux-x64-musl, linux-arm64-musl. A target's Rust
// standard library comes from `rustup target add` (done here when missing). CARGO_TARGET_DIR is
// honoured (builds for each target share it).
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { platformOf } = require('../src/native/load.js')
const { render } = require('./notices.js')

const root = path.join(__dirname, '..')
const ZIGLANG = '0.17.1'
const ZIGBUILD = '0.24.1'
/** The oldest glibc the gnu binaries may need; checked on the built file. */
const GLIBC = '2.17'

/** @type {Record<string, { rust: string, zig: string, machine: string, libc: 'gnu' | 'musl' }>} */
const TARGETS = {
  'linux-x64-gnu': {
    rust: 'x86_64-unknown-linux-gnu',
    zig: `x86_64-unknown-linux-gnu.${GLIBC}`,
    machine: 'X86-64',
    libc: 'gnu',
  },
  'linux-arm64-gnu': {
    rust: 'aarch64-unknown-linux-gnu',
    zig: `aarch64-unknown-linux-gnu.${GLIBC}`,
    machine: 'AArch64',
    libc: 'gnu',
  },
  'linux-x64-musl': {
    rust: 'x86_64-unknown-linux-musl',
    zig: 'x86_64-unknown-linux-musl',
    machine: 'X86-64',
    libc: 'musl',
  },
  'linux-arm64-musl': {
    rust: 'aarch64-unknown-linux-musl',
    zig: 'aarch64-unknown-linux-musl',
    machine: 'AArch64',
    libc: 'musl',
  },
}

/** @param {string} cmd @param {string[]} args @param {object} [opts] */
function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`)
  return execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts })
}

/** zig and cargo-zigbuild, installed once into a cache; returns the environment that finds them. */
function tools() {
  const cache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'matrixai-quic')
  const venv = path.join(cache, `ziglang-${ZIGLANG}`)
  const cargoRoot = path.join(cache, `cargo-zigbuild-${ZIGBUILD}`)
  const python = path.join(venv, 'bin', 'python3')
  const zigPath = () =>
    execFileSync(python, ['-c', 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))'], {
      encoding: 'utf8',
    }).trim()
  let zig = fs.existsSync(python) ? zigPath() : ''
  if (!fs.existsSync(zig)) {
    run('python3', ['-m', 'venv', venv])
    run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `ziglang==${ZIGLANG}`])
    zig = zigPath()
  }
  if (!fs.existsSync(path.join(cargoRoot, 'bin', 'cargo-zigbuild'))) {
    run('cargo', ['install', '--locked', '--quiet', 'cargo-zigbuild', '--version', ZIGBUILD, '--root', cargoRoot])
  }
  return {
    ...process.env,
    PATH: [path.join(cargoRoot, 'bin'), process.env.PATH].join(path.delimiter),
    CARGO_ZIGBUILD_ZIG_PATH: zig,
  }
}

/** @param {string} file @returns {string} `readelf`'s view of the file's header and dynamic section */
function readelf(file, /** @type {string} */ flags) {
  return execFileSync('readelf', [flags, '--wide', file], { encoding: 'utf8' })
}

/**
 * Checks a built binary: its machine, and for glibc the highest symbol version it needs, for
 * musl that it needs nothing but musl's libc.
 * @param {string} file @param {typeof TARGETS[string]} t
 */
function check(file, t) {
  const header = readelf(file, '-h')
  if (!header.includes(t.machine)) throw new Error(`${file} is not an ${t.machine} binary:\n${header}`)
  const needed = [...readelf(file, '-d').matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
  const versions = [...new Set([...readelf(file, '-V').matchAll(/GLIBC_([0-9.]+)/g)].map((m) => m[1]))]
  const highest = versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? 'none'
  if (t.libc === 'gnu' && highest.localeCompare(GLIBC, 'en', { numeric: true }) > 0) {
    throw new Error(`${file} needs GLIBC_${highest}, above the ${GLIBC} baseline`)
  }
  if (t.libc === 'musl' && (versions.length > 0 || needed.some((n) => !/^libc\.(musl-\w+\.)?so/.test(n)))) {
    throw new Error(`${file} needs more than musl's libc: ${needed.join(', ')} ${versions.join(' ')}`)
  }
  console.log(`${path.basename(file)}: ${t.machine}, needs ${needed.join(', ')}; highest GLIBC_ symbol: ${highest}`)
}

function main() {
  const args = process.argv.slice(2)
  const install = args.includes('--install')
  const platforms = args.filter((a) => !a.startsWith('--'))
  if (platforms.length === 0) platforms.push(platformOf().suffix)
  const env = tools()
  const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target')
  const installed = execFileSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' }).split('\n')
  run(process.execPath, [path.join(__dirname, 'quiche-source.js')])
  for (const platform of platforms) {
    const t = TARGETS[platform]
    if (t === undefined) throw new Error(`no Linux target ${platform}; known: ${Object.keys(TARGETS).join(', ')}`)
    if (!installed.includes(t.rust)) run('rustup', ['target', 'add', t.rust])
    /** @type {NodeJS.ProcessEnv} */
    const targetEnv = { ...env }
    // A Node addon on musl links musl dynamically, as Node itself does there.
    if (t.libc === 'musl')
      targetEnv[`CARGO_TARGET_${t.rust.toUpperCase().replace(/-/g, '_')}_RUSTFLAGS`] = '-C target-feature=-crt-static'
    run('cargo', ['zigbuild', '--release', '--lib', '--locked', '--target', t.zig], { env: targetEnv })
    const built = path.join(targetDir, t.rust, 'release', 'libmatrixai_quic.so')
    check(built, t)
    const name = `quic.${platform}.node`
    const dir = path.join(root, 'packages', platform)
    fs.copyFileSync(built, path.join(dir, name))
    fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'))
    fs.writeFileSync(path.join(dir, 'THIRD_PARTY_NOTICES.md'), render(t.rust))
    if (install) fs.copyFileSync(built, path.join(root, 'src', 'native', name))
    console.log(`packages/${platform}/${name}${install ? ` and src/native/${name}` : ''}`)
  }
}

main()
