// @ts-check
'use strict'
// What 2.x code reaches besides the classes' behaviour: deep imports (CommonJS and ESM), 2.x's
// `utils` helpers and `native.quiche`, `@matrixai/async-init`'s life-cycle symbols, a stream
// destroyed once both halves end.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')
const quic = require('../index.js')
const { startServer, connect, onServerStreams, once } = require('./helpers/quic.js')

const ROOT = path.join(__dirname, '..')
const DEEP = [
  'QUICSocket',
  'QUICServer',
  'QUICClient',
  'QUICConnection',
  'QUICStream',
  'QUICConnectionId',
  'QUICConnectionMap',
]
const NAMESPACES = ['errors', 'events', 'utils', 'config']

test("deep imports, as 2.x's `./*` exports: the same objects as the root's, with and without .js", () => {
  for (const name of DEEP) {
    assert.equal(require(`@matrixai/quic/${name}.js`), /** @type {any} */ (quic)[name], name)
    assert.equal(require(`@matrixai/quic/${name}`), /** @type {any} */ (quic)[name], name)
  }
  for (const name of NAMESPACES) {
    assert.equal(require(`@matrixai/quic/${name}.js`), /** @type {any} */ (quic)[name], name)
  }
  const native = require('@matrixai/quic/native')
  assert.equal(native, quic.native)
  assert.equal(native.CryptoError.BadCertificate, 298)
  assert.equal(native.quiche.MAX_CONN_ID_LEN, 20)
  assert.equal(native.quiche.MIN_CLIENT_INITIAL_LEN, 1200)
  assert.equal(native.quiche.PROTOCOL_VERSION, 1)
  assert.equal(typeof native.Connection, 'function')
  assert.deepEqual(Object.keys(require('@matrixai/quic/types.js')), [])
  // Only 2.x's paths: the implementation's files are not reachable.
  const internal = '@matrixai/quic/src/QUICSocket.js'
  assert.throws(() => require(internal))
})

test('deep imports from ES modules: default exports are the classes, named exports every name', () => {
  const source = `
    import QUICSocket from '@matrixai/quic/QUICSocket.js'
    import * as errors from '@matrixai/quic/errors.js'
    import * as events from '@matrixai/quic/events'
    import * as utils from '@matrixai/quic/utils.js'
    import { CryptoError, quiche } from '@matrixai/quic/native'
    import { QUICServer, events as rootEvents, errors as rootErrors, utils as rootUtils } from '@matrixai/quic'
    const missing = (ns, root) => Object.keys(root).filter((k) => ns[k] !== root[k])
    console.log(JSON.stringify({
      socket: QUICSocket.name, server: QUICServer.name,
      errors: missing(errors, rootErrors), events: missing(events, rootEvents),
      utils: missing(utils, rootUtils),
      bad: CryptoError.BadCertificate, cid: quiche.MAX_CONN_ID_LEN,
    }))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, encoding: 'utf8' })
  assert.deepEqual(JSON.parse(out), {
    socket: 'QUICSocket',
    server: 'QUICServer',
    errors: [],
    events: [],
    utils: [],
    bad: 298,
    cid: 20,
  })
})

test("2.x's utils: IPv4-mapped IPv6 in both spellings, wildcards, ports, PEM, stream ids", () => {
  const { utils } = quic
  assert.equal(utils.isIPv4MappedIPv6('::ffff:7f00:1'), true)
  assert.equal(utils.isIPv4MappedIPv6Dec('::ffff:7f00:1'), false)
  assert.equal(utils.isIPv4MappedIPv6Hex('::ffff:255.255.255.255'), false)
  assert.equal(utils.toIPv4MappedIPv6Hex('74.125.43.99'), '::ffff:4a7d:2b63')
  assert.equal(utils.fromIPv4MappedIPv6('::ffff:800:800'), '8.0.8.0')
  assert.throws(() => utils.fromIPv4MappedIPv6('::1'), TypeError)
  assert.equal(utils.toCanonicalIP('::ffff:127.0.0.1'), '127.0.0.1')
  assert.equal(utils.toCanonicalIP('::1234:7f00:1'), '::1234:7f00:1')
  assert.equal(utils.resolvesZeroIP('::0'), '::1')
  assert.equal(utils.resolvesZeroIP('::ffff:0:0'), '::ffff:127.0.0.1')
  assert.equal(utils.isHostWildcard('::ffff:0.0.0.0'), true)
  assert.equal(utils.buildAddress('::1', 80), '[::1]:80')
  assert.equal(utils.isPort(65536), false)
  assert.throws(() => utils.toPort(-1), quic.errors.ErrorQUICPortInvalid)
  const der = utils.parseCertificates(require('./helpers/fixtures.js').ca)[0]
  assert.deepEqual(utils.pemToDER(utils.derToPEM(der)), new Uint8Array(der))
  assert.deepEqual(utils.collectPEMs([' a ', Buffer.from('b\n\n')]), ['a\n', 'b\n'])
  assert.equal(utils.isStreamServerInitiated(5), true)
  assert.equal(utils.isStreamUnidirectional(2), true)
  assert.equal(utils.encodeConnectionId(Buffer.from([1, 171])), '01ab')
  assert.equal(utils.isStreamReset(Object.assign(new Error('x'), { code: 'ERR_QUIC_STREAM_RESET', wireCode: 9 })), 9)
  assert.equal(utils.isStreamStopped(new Error('StreamStopped(12)')), 12)
  assert.equal(utils.isStreamStopped(new Error('other')), false)
})

test("@matrixai/async-init's symbols: [running], [destroyed], [status] through the life cycle", async (t) => {
  const { running, destroyed, status } = await import('@matrixai/async-init')
  const server = await startServer(t)
  assert.equal(/** @type {any} */ (server)[running], true)
  assert.equal(/** @type {any} */ (server.socket)[running], true)
  /** @type {import('../index').QUICStream[]} */
  const peer = []
  onServerStreams(server, (s) => {
    peer.push(s)
    void s.readable.pipeTo(s.writable).catch(() => {})
  })
  const client = await connect(t, server.port)
  const conn = /** @type {any} */ (client.connection)
  assert.equal(conn[running], true)
  assert.equal(conn[status], null)
  assert.equal(/** @type {any} */ (client)[destroyed], false)
  const s = client.connection.newStream()
  const destroyedEvent = once(s, quic.events.EventQUICStreamDestroyed.name)
  await s.end(Buffer.from('bye'))
  for (let chunk = await s.read(); chunk != null; chunk = await s.read());
  // Both halves ended: destroyed, as 2.x's stream destroys itself.
  await destroyedEvent
  assert.equal(/** @type {any} */ (s)[destroyed], true)
  assert.equal(s.destroyed, true)
  await client.destroy()
  assert.equal(/** @type {any} */ (client)[destroyed], true)
  assert.equal(conn[running], false)
  await server.stop()
  assert.equal(/** @type {any} */ (server)[running], false)
  assert.equal(/** @type {any} */ (server.socket)[running], false)
})

test("QUICSocket.send as 2.x's: (msg, port, host) or with offset and length; Node's errors as they are", async (t) => {
  const dgram = require('node:dgram')
  const peer = dgram.createSocket('udp4')
  await new Promise((resolve) => peer.bind(0, '127.0.0.1', () => resolve(undefined)))
  t.after(() => peer.close())
  /** @type {string[]} */
  const got = []
  peer.on('message', (m) => got.push(m.toString()))
  const socket = new quic.QUICSocket()
  await socket.start({ host: '127.0.0.1' })
  t.after(() => socket.stop())
  const port = peer.address().port
  assert.equal(await socket.send(Buffer.from('one'), port, '127.0.0.1'), 3)
  assert.equal(await socket.send(Buffer.from('xtwox'), 1, 3, port, 'localhost'), 3)
  await assert.rejects(/** @type {any} */ (socket).send(Buffer.from('x')), TypeError)
  await assert.rejects(socket.send(Buffer.from('x'), 0, '127.0.0.1'), RangeError)
  for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10))
  assert.deepEqual(got, ['one', 'two'])
})

test("2.x's evented close: an EventQUICSocketClose dispatched on a running socket stops it, once", async () => {
  const socket = new quic.QUICSocket()
  const seen = { Close: 0, Stop: 0, Stopped: 0 }
  for (const name of /** @type {const} */ (['Close', 'Stop', 'Stopped'])) {
    socket.addEventListener(`EventQUICSocket${name}`, () => seen[name]++)
  }
  await socket.start({ host: '127.0.0.1' })
  socket.dispatchEvent(new quic.events.EventQUICSocketError({ detail: new quic.errors.ErrorQUICSocketInternal('x') }))
  assert.equal(socket.closed, false, 'an error event alone closes nothing')
  socket.dispatchEvent(new quic.events.EventQUICSocketClose())
  await socket.closedP
  assert.equal(socket.closed, true)
  for (let i = 0; i < 100 && seen.Stopped === 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(socket.running, false)
  await socket.stop()
  assert.deepEqual(seen, { Close: 1, Stop: 1, Stopped: 1 })
})

test("config.buildQuicheConfig, as 2.x's: builds a whole config, and a bad one throws ErrorQUICConfig", () => {
  const { config, errors } = quic
  const fx = require('./helpers/fixtures.js')
  assert.ok(config.buildQuicheConfig(config.clientDefault))
  assert.ok(config.buildQuicheConfig({ ...config.serverDefault, key: fx.rsa.key, cert: fx.rsa.cert }))
  assert.throws(() => config.buildQuicheConfig({ ...config.serverDefault, sigalgs: 'ed448' }), errors.ErrorQUICConfig)
  assert.throws(
    () => config.buildQuicheConfig({ ...config.serverDefault, key: [fx.rsa.key, fx.ec.key], cert: [fx.rsa.cert] }),
    errors.ErrorQUICConfig,
  )
})

test("socket.connectionMap as 2.x's QUICConnectionMap: by connection id, server and client sides apart", async (t) => {
  const socket = new quic.QUICSocket()
  await socket.start({ host: '127.0.0.1' })
  t.after(() => socket.stop({ force: true }))
  const fx = require('./helpers/fixtures.js')
  const server = new quic.QUICServer({ socket, config: { key: fx.ec.key, cert: fx.ec.cert } })
  await server.start()
  t.after(() => server.stop({ force: true }))
  const client = await quic.QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: socket.port,
    socket,
    serverName: 'localhost',
    config: { ca: fx.ca },
  })
  const map = socket.connectionMap
  assert.ok(map instanceof quic.QUICConnectionMap)
  assert.equal(map.size, 2, 'the client and the server side of one connection')
  assert.equal(map.clientConnections.size, 1)
  assert.equal(map.serverConnections.size, 1)
  // Looked up by value: a copy of the id finds the connection.
  const [id, conn] = [...map.clientConnections.entries()][0]
  assert.equal(conn, client.connection)
  assert.equal(map.get(quic.QUICConnectionId.fromString(id)), client.connection)
  await client.destroy()
  for (let i = 0; i < 100 && map.size > 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(map.size, 0)
  // 2.x's tests put stand-ins in it; a forced stop leaves them be.
  map.set(quic.QUICConnectionId.fromString('00ff'), /** @type {any} */ ({ type: 'client' }))
  await server.stop({ force: true })
  await socket.stop({ force: true })
})

test("QUICServer.updateCrypto, as 2.x's: a new Retry key; tokens of the old one are refused", async (t) => {
  const { startServer: start, connect: dial, echoServer } = require('./helpers/quic.js')
  const server = /** @type {any} */ (await start(t, { retry: true, crypto: { key: new Uint8Array(32).fill(1) } }))
  echoServer(server)
  const peer = quic.native.encodeAddress('127.0.0.1', 5555)
  const dcid = Buffer.alloc(20, 7)
  const token = server.tokenKey.mint(dcid, peer)
  assert.deepEqual(Buffer.from(server.tokenKey.validate(token, peer)), dcid)
  server.updateCrypto({ key: new Uint8Array(32).fill(2), ops: {} })
  assert.equal(server.tokenKey.validate(token, peer), null, 'a token of the old key still passed')
  // New connections go through a Retry with the new key.
  const client = await dial(t, server.port)
  const s = client.connection.newStream()
  await s.end(Buffer.from('after'))
  assert.equal(Buffer.from(/** @type {Uint8Array} */ (await s.read())).toString(), 'after')
})

test("eagerStreams gives 2.x's chunking: writes awaited one by one arrive as chunks of their own", async (t) => {
  const { startServer: start, connect: dial, onServerStreams: onStreams } = require('./helpers/quic.js')
  const messages = 'The Quick Brown Fox Jumped Over The Lazy Dog'.split(' ').map((w) => Buffer.from(w))
  /** @param {boolean} eagerStreams */
  const run = async (eagerStreams) => {
    const server = await start(t, { config: { eagerStreams } })
    /** @type {(s: import('../index').QUICStream) => void} */
    let got = () => {}
    const peer = new Promise((resolve) => {
      got = resolve
    })
    onStreams(server, (s) => got(s))
    const client = await dial(t, server.port, { config: { eagerStreams } })
    const s = client.connection.newStream()
    const writer = s.writable.getWriter()
    for (const m of messages) await writer.write(m)
    await writer.close()
    const p = /** @type {import('../index').QUICStream} */ (await peer)
    // As 2.x's test: the reading starts once everything was written.
    for (let i = 0; i < 100 && p.readState === 'recv' && eagerStreams; i++) await new Promise((r) => setTimeout(r, 10))
    /** @type {string[]} */
    const chunks = []
    const reader = p.readable.getReader()
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(Buffer.from(r.value).toString())
    return chunks
  }
  assert.deepEqual(await run(true), ['The', 'Quick', 'Brown', 'Fox', 'Jumped', 'Over', 'The', 'Lazy', 'Dog'])
  // Without it (the default) the bytes are the same, their chunking is QUIC's.
  assert.equal((await run(false)).join(''), messages.join(''))
})

test("the README's 2.x-style program (examples/2x-style.mjs) runs unchanged", () => {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'examples', '2x-style.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.match(out, /echoed "hello from 2.x"/)
})
