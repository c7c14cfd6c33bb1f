// @ts-check
'use strict'
// The addon loader (src/native/load.js): the order it tries, and the one error a user gets when
// nothing loads, naming the platform, the package, each failure and the way out.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { loadNative, platformOf, SUPPORTED } = require('../src/native/load.js')

/** A `require` that fails for every id with the error `failures` gives for it. */
function failing(/** @type {Record<string, Error>} */ failures) {
  /** @type {string[]} */
  const tried = []
  const load = (/** @type {string} */ id) => {
    tried.push(id)
    throw failures[id] ?? Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
  }
  return { load, tried }
}

test('platforms are named as the packages are', () => {
  const gnu = () => /** @type {const} */ ('gnu')
  const musl = () => /** @type {const} */ ('musl')
  const x64gnu = platformOf('linux', 'x64', gnu, () => '2.36')
  assert.equal(x64gnu.suffix, 'linux-x64-gnu')
  assert.equal(x64gnu.describe(), 'linux x64 (glibc 2.36)')
  assert.equal(platformOf('linux', 'arm64', musl).suffix, 'linux-arm64-musl')
  assert.equal(platformOf('linux', 'arm64', musl).describe(), 'linux arm64 (musl)')
  assert.equal(platformOf('darwin', 'arm64').suffix, 'darwin-arm64')
  assert.equal(platformOf('win32', 'x64').suffix, 'win32-x64-msvc')
  for (const suffix of Object.keys(SUPPORTED)) {
    assert.ok(require('node:fs').existsSync(path.join(__dirname, '..', 'packages', suffix, 'package.json')), suffix)
  }
})

test('QUIC_NATIVE_PATH first, then the checkout build, then the package', () => {
  const { load, tried } = failing({})
  const platform = { suffix: 'linux-x64-gnu', describe: () => 'linux x64 (glibc 2.36)' }
  assert.throws(() => loadNative({ platform, load, env: { QUIC_NATIVE_PATH: 'x.node' }, exists: () => true }))
  assert.deepEqual(tried, [
    path.resolve('x.node'),
    path.join(__dirname, '..', 'src', 'native', 'quic.linux-x64-gnu.node'),
    '@matrixai/quic-linux-x64-gnu',
  ])
  const ok = loadNative({ platform, load: (id) => ({ id }), env: {}, exists: () => false })
  assert.deepEqual(ok, { id: '@matrixai/quic-linux-x64-gnu' })
})

test('a binary that will not load: the error carries the reason and the way out', () => {
  const platform = { suffix: 'linux-x64-gnu', describe: () => 'linux x64 (glibc 2.17)' }
  const glibc = new Error(
    "/lib64/libc.so.6: version `GLIBC_2.34' not found (required by /app/node_modules/@matrixai/quic-linux-x64-gnu/quic.linux-x64-gnu.node)",
  )
  const { load } = failing({ '@matrixai/quic-linux-x64-gnu': glibc })
  /** @type {any} */
  let error
  try {
    loadNative({ platform, load, env: {}, exists: () => false })
  } catch (e) {
    error = e
  }
  assert.equal(error.code, 'ERR_QUIC_NATIVE_LOAD')
  assert.equal(error.cause, glibc)
  assert.equal(error.packageName, '@matrixai/quic-linux-x64-gnu')
  assert.match(error.message, /no native binary could be loaded for linux x64 \(glibc 2\.17\)/)
  assert.match(error.message, /@matrixai\/quic-linux-x64-gnu: \/lib64\/libc\.so\.6: version `GLIBC_2\.34' not found/)
  assert.match(error.message, /Supported platforms:\n {2}linux-x64-gnu: Linux x64, glibc 2\.17 or newer/)
  assert.match(error.message, /npm run build/)
})

test('a platform without a binary says so', () => {
  const { load } = failing({})
  const platform = { suffix: 'freebsd-x64', describe: () => 'freebsd x64' }
  assert.throws(
    () => loadNative({ platform, load, env: {}, exists: () => false }),
    (/** @type {any} */ e) =>
      e.code === 'ERR_QUIC_NATIVE_LOAD' &&
      e.cause === undefined &&
      /@matrixai\/quic-freebsd-x64, which does not exist: this platform has no prebuilt binary/.test(e.message) &&
      /@matrixai\/quic-freebsd-x64: not installed/.test(e.message),
  )
})

test('this process is seen as what it runs on', () => {
  const { suffix } = platformOf()
  const glibc = /** @type {any} */ (process.report).getReport().header.glibcVersionRuntime
  if (process.platform === 'linux') assert.equal(suffix, `linux-${process.arch}-${glibc ? 'gnu' : 'musl'}`)
})

test('this process loads its addon', () => {
  const native = loadNative()
  assert.equal(typeof native.Config, 'function')
})
