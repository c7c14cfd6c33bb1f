// @ts-check
'use strict'
// Servers and clients on loopback for the tests, with everything closed after each test.
const { QUICServer, QUICClient, events } = require('../../index.js')
const fixtures = require('./fixtures.js')

/** @typedef {import('node:test').TestContext} TestContext */

/**
 * Starts a server on loopback (127.0.0.1 unless `host`), stopped (forced) after the test.
 * @param {TestContext} t
 * @param {Omit<Partial<ConstructorParameters<typeof QUICServer>[0]>, 'config'> & { host?: string, config?: Partial<import('../../index').QUICConfig> }} [opts]
 */
async function startServer(t, opts = {}) {
  const { host = '127.0.0.1', config, ...rest } = opts
  const server = new QUICServer({ ...rest, config: { key: fixtures.ec.key, cert: fixtures.ec.cert, ...config } })
  await server.start({ host, port: 0 })
  t.after(() => server.stop({ force: true }))
  return server
}

/**
 * Connects to `port`, destroyed (forced) after the test.
 * @param {TestContext} t
 * @param {number} port
 * @param {Partial<import('../../index').QUICClientOptions>} [opts]
 * @param {{ signal?: AbortSignal, timer?: number }} [ctx]
 */
async function connect(t, port, opts = {}, ctx) {
  const { config, ...rest } = opts
  const client = await QUICClient.createQUICClient(
    { host: '127.0.0.1', port, serverName: 'localhost', config: { ca: fixtures.ca, ...config }, ...rest },
    ctx,
  )
  t.after(() => client.destroy({ force: true }))
  return client
}

/**
 * Calls `onStream` for every stream of every connection the server accepts.
 * @param {QUICServer} server
 * @param {(s: import('../../index').QUICStream, c: import('../../index').QUICConnection) => void} onStream
 */
function onServerStreams(server, onStream) {
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    const conn = /** @type {any} */ (e).detail
    conn.addEventListener(events.EventQUICConnectionStream.name, (/** @type {any} */ se) => onStream(se.detail, conn))
  })
}

/**
 * A server whose stream and connection windows are `window` (4 × `window`): a peer that does not
 * read holds its writer there. `firstStream` resolves with its first stream, unread.
 * @param {TestContext} t
 * @param {number} window
 */
async function smallWindowServer(t, window) {
  const server = await startServer(t, {
    config: {
      initialMaxStreamDataBidiRemote: window,
      maxStreamWindow: window,
      initialMaxData: 4 * window,
      maxConnectionWindow: 4 * window,
    },
  })
  /** @type {Promise<import('../../index').QUICStream>} */
  const firstStream = new Promise((resolve) => onServerStreams(server, resolve))
  return { server, firstStream }
}

/**
 * Writes `chunk` `times` times through `write`, each after the last was taken, then `end`s;
 * `written()` tells how much was taken so far.
 * @param {(c: Uint8Array) => Promise<void>} write
 * @param {() => Promise<void>} end
 * @param {Uint8Array} chunk
 * @param {number} times
 */
function countedWrites(write, end, chunk, times) {
  let written = 0
  const done = (async () => {
    for (let i = 0; i < times; i++) {
      await write(chunk)
      written += chunk.length
    }
    await end()
  })()
  return { written: () => written, done }
}

/** Echoes every stream back. @param {QUICServer} server */
function echoServer(server) {
  onServerStreams(server, (s) => {
    s.readable.pipeTo(s.writable).catch(() => {})
  })
}

/**
 * Everything a readable yields, concatenated.
 * @param {ReadableStream<Uint8Array>} readable
 */
async function readAll(readable) {
  const chunks = []
  for await (const c of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (readable))) chunks.push(c)
  return Buffer.concat(chunks)
}

/**
 * Writes `data` in `chunk`-sized pieces, then closes.
 * @param {WritableStream<Uint8Array>} writable
 * @param {Buffer} data
 */
async function writeAll(writable, data, chunk = 256 * 1024) {
  const w = writable.getWriter()
  for (let off = 0; off < data.length; off += chunk) await w.write(data.subarray(off, off + chunk))
  await w.close()
}

/** Deterministic bytes. @param {number} n */
function pattern(n, seed = 1) {
  const b = Buffer.allocUnsafe(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

/**
 * Resolves with the next event of `type` on `target` (bounded by `ms`).
 * @param {EventTarget} target
 * @param {string} type
 */
function once(target, type, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms)
    target.addEventListener(
      type,
      (e) => {
        clearTimeout(timer)
        resolve(/** @type {any} */ (e))
      },
      { once: true },
    )
  })
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * The connection's session ticket, waiting (bounded) for the server to send one.
 * @param {import('../../index').QUICConnection} conn
 */
async function sessionOf(conn) {
  for (let i = 0; i < 50; i++) {
    const session = /** @type {any} */ (conn).native.session()
    if (session != null) return session
    await sleep(10)
  }
  return null
}

/** Timers alive now (test runner's own included): compare before and after. */
const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

module.exports = {
  startServer,
  smallWindowServer,
  countedWrites,
  connect,
  onServerStreams,
  echoServer,
  readAll,
  writeAll,
  pattern,
  once,
  sleep,
  sessionOf,
  activeTimers,
  fixtures,
}
