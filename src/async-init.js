// @ts-check
'use strict'
// 2.x's life-cycle symbols. 2.x's classes were `@matrixai/async-init` StartStop (socket, server,
// connection) and CreateDestroy (client, stream) classes, and its users read `obj[running]`,
// `obj[destroyed]` and `obj[status]` with that package's symbols. The package is ESM only, so it
// is imported (once, when the first class registers) and the getters go on each registered
// class's prototype when it resolves. `start()` and `createQUICClient()` wait for that, so the
// symbols are there by the time anything has a life cycle to read.

/**
 * @typedef {{ running?: (o: any) => boolean, destroyed?: (o: any) => boolean, status?: (o: any) => string | null }} Lifecycle
 * @typedef {{ running: symbol, destroyed: symbol, status: symbol }} Symbols
 */

/** @type {Array<[Function, Lifecycle]>} */
const registered = []
/** @type {Symbols | null} */
let symbols = null
/** @type {Promise<boolean> | null} */
let loading = null

/** @param {Function} cls @param {Lifecycle} life @param {Symbols} syms */
function install(cls, life, syms) {
  const status = life.status ?? (() => null)
  /** @type {PropertyDescriptorMap} */
  const props = {
    [syms.status]: {
      get: /** @this {any} */ function () {
        return status(this)
      },
      configurable: true,
    },
  }
  for (const key of /** @type {const} */ (['running', 'destroyed'])) {
    const read = life[key]
    if (read != null)
      props[syms[key]] = {
        get: /** @this {any} */ function () {
          return read(this)
        },
        configurable: true,
      }
  }
  Object.defineProperties(cls.prototype, props)
}

/**
 * The import, tried again a few times: a test runner that links ES modules in a VM (Jest) can
 * refuse an import made while it links the importer's graph; a moment later it succeeds.
 * @returns {Promise<boolean>}
 */
async function load() {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // Its utils module holds the symbols and imports nothing: the package's index would load
      // @matrixai/async-locks, errors and events too (about 25 ms at start-up for nothing).
      const m = await import('@matrixai/async-init/utils.js')
      symbols = { running: m.running, destroyed: m.destroyed, status: m.status }
      for (const [cls, life] of registered) install(cls, life, symbols)
      return true
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1 << attempt).unref())
    }
  }
  return false
}

/**
 * Gives `cls` 2.x's `[running]` / `[destroyed]` / `[status]` getters.
 * @param {Function} cls
 * @param {Lifecycle} life
 */
function registerLifecycle(cls, life) {
  registered.push([cls, life])
  if (symbols != null) install(cls, life, symbols)
  loading ??= load()
}

/** Resolves once the symbols are installed (or could not be: the package is missing). */
const lifecycleSymbolsReady = () => loading ?? Promise.resolve(false)

module.exports = { registerLifecycle, lifecycleSymbolsReady }
