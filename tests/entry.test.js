// @ts-check
'use strict'
// The public entry loads from CommonJS and ESM, and the per-platform package holds a working addon.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')

test('CommonJS entry exposes the native core and the errors', () => {
  const quic = require('../index.js')
  assert.equal(typeof quic.native.Connection.connect, 'function')
  assert.equal(typeof quic.errors.ErrorQUICConfig, 'function')
  const e = (() => {
    try {
      quic.createNativeConfig(/** @type {any} */ ({ maxIdleTimeout: 'soon' }))
    } catch (err) {
      return err
    }
  })()
  assert.ok(e instanceof quic.errors.ErrorQUIC)
  assert.equal(/** @type {any} */ (e).field, 'maxIdleTimeout')
})

test("native carries 2.x's code tables: CryptoError, ConnectionErrorCode and the small enums", () => {
  const { native } = require('../index.js')
  assert.equal(native.CryptoError.BadCertificate, 0x100 + 42)
  assert.equal(native.CryptoError[0x100 + 48], 'UnknownCA')
  assert.equal(native.ConnectionErrorCode.InternalError, 1)
  assert.equal(native.ConnectionErrorCode[0x10], 'NoViablePath')
  assert.deepEqual([native.Shutdown.Read, native.Shutdown.Write], [0, 1])
  assert.equal(native.CongestionControlAlgorithm.CUBIC, 1)
  assert.equal(native.Type[5], 'Short')
})

test('ESM import gets named exports', async () => {
  const mod = await import(path.join(__dirname, '..', 'index.js'))
  assert.equal(typeof mod.native.versionIsSupported, 'function')
  assert.equal(mod.native.versionIsSupported(mod.native.PROTOCOL_VERSION), true)
  assert.equal(typeof mod.createNativeConfig, 'function')
})

test('the linux-x64-gnu package loads on its own', (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    t.skip(`no package is built for ${process.platform}-${process.arch} on this machine`)
    return
  }
  const dir = path.join(__dirname, '..', 'packages', 'linux-x64-gnu')
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  assert.equal(pkg.name, '@matrixai/quic-linux-x64-gnu')
  const addon = require(path.join(dir, pkg.main))
  assert.equal(typeof addon.Config, 'function')
  assert.equal(addon.MAX_CONN_ID_LEN, 20)
})
