// @ts-check
'use strict'
// Finds and loads the addon: an explicit path (QUIC_NATIVE_PATH), a checkout's own build
// (src/native/quic.<platform>.node, from `npm run build`), then the per-platform package
// (@matrixai/quic-<platform>). When none loads, one error that names the platform, the package
// it expected, why each candidate failed (e.g. a too old glibc), the supported platforms and
// how to build from source.
const fs = require('node:fs')
const path = require('node:path')

/** The platforms with published binaries: package suffix → what a user reads. */
const SUPPORTED = Object.freeze({
  'linux-x64-gnu': 'Linux x64, glibc 2.17 or newer',
  'linux-arm64-gnu': 'Linux arm64, glibc 2.17 or newer',
  'linux-x64-musl': 'Linux x64, musl 1.2.5 or newer (Alpine 3.20 or newer)',
  'linux-arm64-musl': 'Linux arm64, musl 1.2.5 or newer (Alpine 3.20 or newer)',
  'darwin-x64': 'macOS x64, 11 or newer',
  'darwin-arm64': 'macOS arm64, 11 or newer',
  'win32-x64-msvc': 'Windows x64, 10 or newer',
})

/**
 * The C library this Linux process runs on, from the libraries mapped into it (cheap, and right
 * under an emulator too); Node's report when /proc is not there.
 * @returns {'gnu' | 'musl'}
 */
function linuxLibc() {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8')
    if (/\/ld-musl-|\/libc\.musl-/.test(maps)) return 'musl'
    if (/\/libc\.so\.6|\/libc-2\.\d+\.so/.test(maps)) return 'gnu'
  } catch {
    // No /proc: ask Node.
  }
  return glibcVersion() === null ? 'musl' : 'gnu'
}

/** The glibc version Node runs on, or null (musl, or no report). */
function glibcVersion() {
  try {
    const report = /** @type {any} */ (process.report)
    report.excludeNetwork = true
    return report.getReport().header?.glibcVersionRuntime ?? null
  } catch {
    return null
  }
}

/**
 * This process's platform as the packages name it, and how to describe it (the glibc version
 * is read only then: a report takes milliseconds).
 * @param {NodeJS.Platform} [platform]
 * @param {string} [arch]
 * @param {() => 'gnu' | 'musl'} [libcOf]
 * @param {() => string | null} [glibcOf]
 */
function platformOf(platform = process.platform, arch = process.arch, libcOf = linuxLibc, glibcOf = glibcVersion) {
  if (platform === 'linux') {
    const libc = libcOf()
    return {
      suffix: `linux-${arch}-${libc}`,
      describe: () => `linux ${arch} (${libc === 'gnu' ? `glibc ${glibcOf() ?? '(version unknown)'}` : 'musl'})`,
    }
  }
  if (platform === 'win32') return { suffix: `win32-${arch}-msvc`, describe: () => `win32 ${arch}` }
  return { suffix: `${platform}-${arch}`, describe: () => `${platform} ${arch}` }
}

/**
 * The addon's exports. `load` defaults to `require`; tests pass their own.
 * @param {{ platform?: ReturnType<typeof platformOf>, load?: (id: string) => any, env?: NodeJS.ProcessEnv, exists?: (file: string) => boolean }} [how]
 */
function loadNative(how = {}) {
  const { suffix, describe } = how.platform ?? platformOf()
  const load = how.load ?? require
  const env = how.env ?? process.env
  const exists = how.exists ?? fs.existsSync
  const packageName = `@matrixai/quic-${suffix}`
  /** @type {string[]} */
  const candidates = []
  if (env.QUIC_NATIVE_PATH) candidates.push(path.resolve(env.QUIC_NATIVE_PATH))
  const local = path.join(__dirname, `quic.${suffix}.node`)
  if (exists(local)) candidates.push(local)
  candidates.push(packageName)
  /** @type {string[]} */
  const failures = []
  /** @type {unknown} */
  let firstCause
  for (const candidate of candidates) {
    try {
      return load(candidate)
    } catch (e) {
      const err = /** @type {NodeJS.ErrnoException} */ (e)
      const missing = err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes(candidate)
      const why = missing ? 'not installed' : String(err?.message ?? err).split('\n')[0]
      failures.push(`  ${candidate}: ${why}`)
      if (!missing && firstCause === undefined) firstCause = e
    }
  }
  const supported = Object.hasOwn(SUPPORTED, suffix)
  const lines = [
    `@matrixai/quic: no native binary could be loaded for ${describe()}.`,
    `Expected the package ${packageName}${supported ? '' : ', which does not exist: this platform has no prebuilt binary'}.`,
    'Tried:',
    ...failures,
    'Supported platforms:',
    ...Object.entries(SUPPORTED).map(([name, what]) => `  ${name}: ${what}`),
    supported
      ? `Reinstall with optional dependencies on (not --omit=optional / --no-optional), on the platform that runs the code (node_modules copied from another OS or libc lacks ${packageName}).`
      : 'Other platforms can build from source.',
    'To build from source: clone https://github.com/MatrixAI/js-quic, run `npm ci && npm run build` (Rust, cmake and libclang needed), then point QUIC_NATIVE_PATH at the built src/native/quic.*.node.',
  ]
  const error = new Error(lines.join('\n'), firstCause === undefined ? undefined : { cause: firstCause })
  Object.assign(error, { code: 'ERR_QUIC_NATIVE_LOAD', platform: suffix, packageName })
  throw error
}

module.exports = { loadNative, platformOf, SUPPORTED }
