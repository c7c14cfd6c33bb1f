// @ts-check
'use strict'
// Streams over real UDP on loopback: transfers, many streams past the peer's limit, backpressure,
// cancel and abort codes, unidirectional streams, datagrams.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const nodeEvents = require('node:events')
const { errors, events } = require('../index.js')
const {
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
} = require('./helpers/quic.js')

const MiB = 1024 * 1024
const sha = (/** @type {Uint8Array} */ b) => crypto.createHash('sha256').update(b).digest('hex')

test('1 MiB echoed byte-exact', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const data = pattern(MiB, 7)
  const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data, 100_000)])
  assert.ok(back.equals(data))
  await s.closedP
  assert.equal(client.connection.streams.size, 0, 'a finished stream leaves the map')
})

test('64 MiB each way, byte-exact (digest checked by the other side)', async (t) => {
  const server = await startServer(t)
  const size = 64 * MiB
  const up = pattern(size, 3)
  const down = pattern(size, 5)
  /** @type {Promise<string>} */
  const serverDigest = new Promise((resolve, reject) => {
    onServerStreams(server, (s) => {
      const h = crypto.createHash('sha256')
      const w = s.writable.getWriter()
      const reading = (async () => {
        for await (const c of /** @type {any} */ (s.readable)) h.update(c)
        return h.digest('hex')
      })()
      const writing = (async () => {
        for (let off = 0; off < size; off += MiB) await w.write(down.subarray(off, off + MiB))
        await w.close()
      })()
      Promise.all([reading, writing]).then(([d]) => resolve(d), reject)
    })
  })
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const h = crypto.createHash('sha256')
  const reading = (async () => {
    let n = 0
    for await (const c of /** @type {any} */ (s.readable)) {
      h.update(c)
      n += c.length
    }
    return n
  })()
  await writeAll(s.writable, up, MiB)
  const n = await reading
  assert.equal(n, size)
  assert.equal(h.digest('hex'), sha(down))
  assert.equal(await serverDigest, sha(up))
})

test('1,000 streams, 100 in flight, against a server that allows 10 at a time', async (t) => {
  const server = await startServer(t, { config: { initialMaxStreamsBidi: 10 } })
  let peak = 0
  let live = 0
  onServerStreams(server, (s) => {
    live++
    peak = Math.max(peak, live)
    s.readable
      .pipeTo(s.writable)
      .catch(() => {})
      .finally(() => live--)
  })
  const client = await connect(t, server.port)
  let next = 0
  const ids = new Set()
  const worker = async () => {
    while (next < 1000) {
      const i = next++
      const s = client.connection.newStream()
      const msg = Buffer.from(`stream ${i} `.repeat(20))
      const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, msg)])
      assert.ok(back.equals(msg), `stream ${i} echoed wrong`)
      assert.ok(!ids.has(s.streamId), 'a stream id was used twice')
      ids.add(s.streamId)
    }
  }
  await Promise.all(Array.from({ length: 100 }, worker))
  assert.equal(ids.size, 1000)
  // Ids are consecutive client bidi ids: none was burnt while waiting for credit.
  assert.deepEqual(
    [...ids].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i * 4),
  )
  assert.ok(peak <= 10, `the server saw ${peak} streams at once`)
  assert.equal(client.connection.streams.size, 0)
})

test('openStream waits for credit and can be aborted; stop ends the wait', async (t) => {
  const server = await startServer(t, { config: { initialMaxStreamsBidi: 1 } })
  onServerStreams(server, () => {}) // never finishes the stream: no credit comes back
  const client = await connect(t, server.port)
  const first = await client.connection.openStream()
  await first.writable.getWriter().write(Buffer.from('x'))
  const ac = new AbortController()
  const waiting = client.connection.openStream('bidi', { signal: ac.signal })
  await sleep(50)
  ac.abort()
  await assert.rejects(waiting, errors.ErrorQUICStreamOpenAborted)
  const pending = client.connection.newStream()
  assert.equal(pending.streamId, undefined)
  const write = pending.writable.getWriter().write(Buffer.from('y'))
  await client.connection.stop({ force: true })
  await assert.rejects(write)
})

test('backpressure: a paused reader bounds what the writer gets to buffer', async (t) => {
  const window = 256 * 1024
  const { server, firstStream } = await smallWindowServer(t, window)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const w = s.writable.getWriter()
  const chunk = Buffer.alloc(64 * 1024, 1)
  const writing = countedWrites(
    (c) => w.write(c),
    () => w.close(),
    chunk,
    200,
  )
  await sleep(500)
  const written = writing.written()
  // Nobody reads on the server: the writer is held at about the stream window (plus one chunk in flight).
  assert.ok(written <= window + 2 * chunk.length, `writer got ${written} bytes past a ${window} window`)
  const stats = client.connection.native.stats()
  assert.ok(stats.sentBytes < 4 * window, 'sent far beyond the window')
  // The reader resumes: everything arrives.
  const all = await readAll((await firstStream).readable)
  await writing.done
  assert.equal(all.length, 200 * chunk.length)
})

test('cancel and abort send STOP_SENDING / RESET_STREAM with mapped codes, both ways', async (t) => {
  /** @type {Array<[string, any]>} */
  const serverSaw = []
  const reasonToCode = (/** @type {string} */ _type, /** @type {any} */ reason) =>
    reason === 'nope' ? 11 : reason === 'stop' ? 22 : 1
  const codeToReason = (/** @type {string} */ type, /** @type {number} */ code) => `${type}:${code}`
  const server = await startServer(t, { reasonToCode, codeToReason })
  onServerStreams(server, async (s) => {
    const reader = s.readable.getReader()
    try {
      for (;;) if ((await reader.read()).done) break
      serverSaw.push(['end', null])
    } catch (e) {
      serverSaw.push(['read', e])
    }
  })
  const client = await connect(t, server.port, { reasonToCode, codeToReason })
  // Client aborts its writer: the server's reader fails with the mapped code.
  const a = client.connection.newStream()
  const aw = a.writable.getWriter()
  await aw.write(Buffer.from('partial'))
  await sleep(20)
  await aw.abort('nope')
  for (let i = 0; i < 100 && serverSaw.length === 0; i++) await sleep(10)
  // As in 2.x, the reader fails with what codeToReason gave for the peer's code.
  assert.deepEqual(serverSaw[0], ['read', 'read:11'])

  // The server cancels its reader: the client's next write fails with the mapped code.
  const server2 = await startServer(t, { reasonToCode, codeToReason })
  onServerStreams(server2, (s) => {
    void s.readable.cancel('stop')
  })
  const client2 = await connect(t, server2.port, { reasonToCode, codeToReason })
  const b = client2.connection.newStream()
  const bw = b.writable.getWriter()
  await bw.write(Buffer.from('hello'))
  let failure
  for (let i = 0; i < 100 && failure == null; i++) {
    await sleep(10)
    failure = await bw.write(Buffer.from('more')).then(
      () => null,
      (e) => e,
    )
  }
  assert.equal(failure, 'write:22')
})

test('both sides cancel their readers: each writer hears the STOP_SENDING and the streams close', async (t) => {
  const server = await startServer(t, { reasonToCode: () => 5 })
  /** @type {(s: import('../index').QUICStream) => void} */
  let gotStream = () => {}
  const peerStream = new Promise((resolve) => {
    gotStream = resolve
  })
  onServerStreams(server, (s) => gotStream(s))
  const client = await connect(t, server.port, { reasonToCode: () => 5 })
  const a = client.connection.newStream()
  const aw = a.writable.getWriter()
  const ar = a.readable.getReader()
  await aw.write(Buffer.from('hello'))
  const b = /** @type {import('../index').QUICStream} */ (await peerStream)
  const bw = b.writable.getWriter()
  const br = b.readable.getReader()
  await br.read()
  await ar.cancel('stop')
  await br.cancel('stop')
  // Each side's STOP_SENDING is answered by a RESET_STREAM; the writers must still hear of the
  // STOP_SENDING (quiche must not let the stream go before that).
  await Promise.all([a.closedP, b.closedP])
  assert.equal(a.writeState, 'stop-recvd')
  assert.equal(b.writeState, 'stop-recvd')
  // Each writer fails with what the default codeToReason gives for the peer's code.
  await assert.rejects(aw.write(Buffer.from('x')), { message: 'write 5' })
  await assert.rejects(bw.write(Buffer.from('x')), { message: 'write 5' })
})

test("with the default codeToReason, a peer reset fails reads with 2.x's `read <code>` error", async (t) => {
  const server = await startServer(t, { reasonToCode: () => 7 })
  onServerStreams(server, (s) => void s.writable.abort('any'))
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  await s.write(Buffer.from('hello'))
  const err = await s.read().then(
    () => null,
    (e) => e,
  )
  assert.ok(err instanceof errors.ErrorQUICStreamPeerRead, String(err))
  assert.equal(err.message, 'read 7')
  assert.equal(err.data.code, 7)
})

for (const [when, pause] of /** @type {const} */ ([
  ['with its last data', 0],
  ['after its unread data was reported', 100],
]))
  test(`a stream the peer cancels ${when} is let go of though the app neither reads nor writes it again`, async (t) => {
    const server = await startServer(t)
    /** @type {Array<{ s: import('../index').QUICStream, reader: ReadableStreamDefaultReader<Uint8Array> }>} */
    const held = []
    /** @type {any} */
    let serverConn
    onServerStreams(server, (s, conn) => {
      // Reads one chunk and answers it, then leaves the stream alone (its reader and writer held).
      serverConn = conn
      const reader = s.readable.getReader()
      const writer = s.writable.getWriter()
      held.push({ s, reader })
      reader
        .read()
        .then((r) => writer.write(/** @type {Uint8Array} */ (r.value)))
        .catch(() => {})
    })
    const client = await connect(t, server.port)
    const s = client.connection.newStream()
    await s.write(Buffer.from('first'))
    assert.deepEqual(await s.read(), Buffer.from('first'))
    await s.write(Buffer.alloc(4096, 1))
    // With a pause, the reset comes after the server was told of the data nobody reads there.
    if (pause > 0) await sleep(pause)
    // RESET_STREAM and STOP_SENDING: the server must learn of both with nothing pending there.
    s.cancel(new Error('gone'))
    const [{ s: ss, reader }] = held
    for (let i = 0; i < 200 && !(ss.readClosed && ss.writeClosed); i++) await sleep(10)
    assert.ok(ss.readClosed && ss.writeClosed, `read closed ${ss.readClosed}, write closed ${ss.writeClosed}`)
    await assert.rejects(reader.read(), errors.ErrorQUICStreamPeerRead)
    for (let i = 0; i < 200 && serverConn.streams.size > 0; i++) await sleep(10)
    assert.equal(serverConn.streams.size, 0, 'the server still holds the stream')
  })

test('a STOP_SENDING reaches a stream while the connection has no credit left to send', async (t) => {
  const server = await startServer(t)
  /** @type {import('../index').QUICStream[]} */
  const streams = []
  /** @type {any} */
  let serverConn
  let bulkWritten = false
  onServerStreams(server, async (s, conn) => {
    serverConn = conn
    streams.push(s)
    await s.read()
    // The first stream writes until the client's connection window is spent (the client reads
    // nothing); the second is left alone, its write side open.
    if (streams.length === 1)
      await s.write(Buffer.alloc(MiB)).then(
        () => (bulkWritten = true),
        () => {},
      )
  })
  const client = await connect(t, server.port, { config: { initialMaxData: 64 * 1024 } })
  const bulk = client.connection.newStream()
  await bulk.write(Buffer.from('b'))
  // The server has no credit left: its first stream can take nothing more.
  const blocked = () => streams.length > 0 && serverConn.native.streamCapacity(streams[0].streamId) === 0
  for (let i = 0; i < 200 && !blocked(); i++) await sleep(10)
  assert.ok(blocked(), 'the server spent its connection credit')
  const s = client.connection.newStream()
  await s.write(Buffer.from('v'))
  for (let i = 0; i < 200 && streams.length < 2; i++) await sleep(10)
  s.cancel(new Error('gone'))
  const ss = streams[1]
  for (let i = 0; i < 200 && !(ss?.readClosed && ss.writeClosed); i++) await sleep(10)
  assert.ok(ss.readClosed && ss.writeClosed, `read closed ${ss.readClosed}, write closed ${ss.writeClosed}`)
  await assert.rejects(ss.write(Buffer.from('x')), errors.ErrorQUICStreamPeerWrite)
  assert.equal(serverConn.streams.size, 1, 'only the blocked stream is held')
  assert.equal(bulkWritten, false, 'the first stream still waits for credit')
})

test('a FIN that arrives in a frame of its own while nobody reads still ends the stream cleanly for a later read', async (t) => {
  const server = await startServer(t)
  /** @type {Promise<Uint8Array | null>} */
  const lastRead = new Promise((resolve, reject) => {
    onServerStreams(server, async (s) => {
      try {
        const request = await s.read()
        await s.end(request ?? undefined)
        // The reply is acknowledged and the client's FIN comes while this side does not read.
        await sleep(300)
        resolve(await s.read())
      } catch (e) {
        reject(e)
      }
    })
  })
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  await s.write(Buffer.from('ping'))
  assert.deepEqual(await s.read(), Buffer.from('ping'))
  assert.equal(await s.read(), null)
  // A FIN with no data of its own, in a later turn than the data.
  await sleep(50)
  await s.end()
  assert.equal(await lastRead, null)
})

test('unidirectional streams: one way only, and a finished stream is never re-created', async (t) => {
  const server = await startServer(t)
  /** @type {Array<{ type: string, data: Buffer }>} */
  const got = []
  let created = 0
  onServerStreams(server, async (s) => {
    created++
    assert.equal(s.type, 'uni')
    assert.equal(s.writeClosed, true)
    got.push({ type: s.type, data: await readAll(s.readable) })
  })
  const client = await connect(t, server.port)
  const u = client.connection.newStream('uni')
  assert.equal(u.readClosed, true)
  await writeAll(u.writable, Buffer.from('one way'))
  for (let i = 0; i < 100 && got.length === 0; i++) await sleep(10)
  assert.deepEqual(got, [{ type: 'uni', data: Buffer.from('one way') }])
  await sleep(100)
  assert.equal(created, 1, 'no zombie stream after the end')
})

test('datagrams: unreliable messages both ways, batched into events', async (t) => {
  const config = { enableDgram: /** @type {[boolean, number, number]} */ ([true, 100, 100]) }
  const server = await startServer(t, { config })
  /** @type {Buffer[]} */
  const atServer = []
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    const conn = /** @type {any} */ (e).detail
    conn.addEventListener(events.EventQUICConnectionDatagram.name, (/** @type {any} */ de) => {
      for (const d of de.detail) {
        atServer.push(d)
        conn.sendDatagram(Buffer.concat([Buffer.from('re:'), d]))
      }
    })
  })
  const client = await connect(t, server.port, { config })
  /** @type {Buffer[]} */
  const atClient = []
  client.connection.addEventListener(events.EventQUICConnectionDatagram.name, (/** @type {any} */ de) =>
    atClient.push(...de.detail),
  )
  for (let i = 0; i < 10; i++) client.connection.sendDatagram(Buffer.from(`d${i}`))
  for (let i = 0; i < 100 && atClient.length < 10; i++) await sleep(10)
  assert.equal(atServer.length, 10)
  assert.deepEqual(atClient.map(String).sort(), Array.from({ length: 10 }, (_, i) => `re:d${i}`).sort())
})

test('a peer stream waits for the listener: streams in the first flight are not lost', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  // Many streams opened at once, each with a FIN: every FIN is seen (the predecessor lost one past 15).
  const results = await Promise.all(
    Array.from({ length: 64 }, async (_, i) => {
      const s = client.connection.newStream()
      const msg = Buffer.from(`m${i}`)
      const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, msg)])
      return back.equals(msg)
    }),
  )
  assert.ok(results.every(Boolean))
  const ev = once(client.connection, events.EventQUICConnectionStopped.name)
  await client.destroy()
  await ev
})

test('the dgram.send path (no batched native sends) moves the same bytes', async (t) => {
  const { QUICSocket, QUICServer, QUICClient } = require('../index.js')
  const { fixtures } = require('./helpers/quic.js')
  const serverSocket = new QUICSocket({ batchedSend: false })
  await serverSocket.start({ host: '127.0.0.1', port: 0 })
  const server = new QUICServer({ config: { key: fixtures.ec.key, cert: fixtures.ec.cert }, socket: serverSocket })
  await server.start()
  echoServer(server)
  const clientSocket = new QUICSocket({ batchedSend: false })
  await clientSocket.start({ host: '127.0.0.1', port: 0 })
  t.after(async () => {
    await server.stop({ force: true })
    await serverSocket.stop({ force: true })
    await clientSocket.stop({ force: true })
  })
  assert.equal(serverSocket.fd, -1)
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: server.port,
    serverName: 'localhost',
    socket: clientSocket,
    config: { ca: fixtures.ca },
  })
  const s = client.connection.newStream()
  const data = pattern(4 * MiB, 17)
  const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data)])
  assert.ok(back.equals(data))
  await client.destroy()
})

test('destroy ends a stream whose readable and writable are locked; the peer sees the codes', async (t) => {
  const reasonToCode = () => 99
  const server = await startServer(t, { reasonToCode })
  /** @type {Promise<unknown>} */
  const peerRead = new Promise((resolve) => {
    onServerStreams(server, (s) => {
      readAll(s.readable).then(resolve, resolve)
    })
  })
  const client = await connect(t, server.port, { reasonToCode })
  const s = client.connection.newStream()
  const writer = s.writable.getWriter()
  await writer.write(Buffer.from('hello'))
  const reader = s.readable.getReader()
  const pendingRead = reader.read()
  await sleep(20)
  await s.destroy()
  await assert.rejects(pendingRead, errors.ErrorQUICStreamLocalRead)
  await assert.rejects(writer.write(Buffer.from('more')), errors.ErrorQUICStreamLocalWrite)
  assert.equal(s.closed, true)
  assert.equal(client.connection.streams.size, 0)
  const err = await peerRead
  assert.ok(err instanceof errors.ErrorQUICStreamPeerRead, String(err))
  assert.equal(/** @type {any} */ (err).data.code, 99)
  // A stream cancelled while waiting for credit never takes an id.
  const limited = await startServer(t, { config: { initialMaxStreamsBidi: 1 } })
  onServerStreams(limited, () => {})
  const c2 = await connect(t, limited.port)
  const first = c2.connection.newStream()
  await first.writable.getWriter().write(Buffer.from('x'))
  const waiting = c2.connection.newStream()
  assert.equal(waiting.streamId, undefined)
  waiting.cancel('no longer needed')
  assert.equal(waiting.closed, true)
})

test('readable and writable made on first use still report how the stream ended before that', async (t) => {
  const server = await startServer(t)
  /** @type {import('../index').QUICStream[]} */
  const peerStreams = []
  onServerStreams(server, (s) => peerStreams.push(s))
  const client = await connect(t, server.port)
  // A local uni stream has nothing to read; a peer's uni stream nothing to write.
  const uni = client.connection.newStream('uni')
  assert.equal((await uni.readable.getReader().read()).done, true)
  await writeAll(uni.writable, Buffer.from('one way'))
  for (let i = 0; i < 100 && peerStreams.length === 0; i++) await sleep(10)
  const peerUni = /** @type {import('../index').QUICStream} */ (peerStreams[0])
  await assert.rejects(peerUni.writable.getWriter().write(Buffer.from('x')), errors.ErrorQUICStreamLocalWrite)
  assert.equal((await readAll(peerUni.readable)).toString(), 'one way')
  // Cancelled before either side was touched.
  const cancelled = client.connection.newStream()
  cancelled.cancel(new Error('not wanted'))
  // As in 2.x, both sides fail with the reason given.
  await assert.rejects(cancelled.readable.getReader().read(), /not wanted/)
  await assert.rejects(cancelled.writable.getWriter().write(Buffer.from('x')), /not wanted/)
  // Without a reason, with the classed errors.
  const bare = client.connection.newStream()
  bare.cancel()
  await assert.rejects(bare.readable.getReader().read(), errors.ErrorQUICStreamLocalRead)
  await assert.rejects(bare.writable.getWriter().write(Buffer.from('x')), errors.ErrorQUICStreamLocalWrite)
  // Failed with its connection before either side was touched.
  const orphan = client.connection.newStream()
  await client.connection.stop({ force: true })
  await assert.rejects(orphan.readable.getReader().read())
  await assert.rejects(orphan.writable.getWriter().write(Buffer.from('x')))
})

test('stream and connection events reach their listeners, also through events.once', async (t) => {
  const server = await startServer(t)
  echoServer(server)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  /** @type {string[]} */
  const seen = []
  for (const E of [events.EventQUICStreamCloseRead, events.EventQUICStreamCloseWrite, events.EventQUICStreamDestroy]) {
    s.addEventListener(E.name, (e) => seen.push(e.type))
  }
  const closeRead = nodeEvents.once(s, events.EventQUICStreamCloseRead.name)
  const w = s.writable.getWriter()
  const reading = readAll(s.readable)
  await w.write(Buffer.from('ping'))
  await w.close()
  assert.equal((await reading).toString(), 'ping')
  const [e] = await closeRead
  assert.ok(e instanceof events.EventQUICStreamCloseRead)
  assert.deepEqual(seen.sort(), [events.EventQUICStreamCloseRead.name, events.EventQUICStreamCloseWrite.name].sort())
  // A stream nobody listens to works the same; the connection's own events still arrive.
  const quiet = client.connection.newStream()
  await quiet.end(Buffer.from('x'))
  assert.equal((await readAll(quiet.readable)).toString(), 'x')
  const stopped = nodeEvents.once(client.connection, events.EventQUICConnectionStopped.name)
  const destroyed = nodeEvents.once(client, events.EventQUICClientDestroyed.name)
  await client.destroy()
  await Promise.all([stopped, destroyed])
})

test("each half ends in one named state: FINs, cancel and abort, the peer's reset and stop, the connection's end", async (t) => {
  const server = await startServer(t)
  /** @type {import('../index').QUICStream[]} */
  const arrived = []
  onServerStreams(server, (s) => arrived.push(s))
  const client = await connect(t, server.port)
  const serverStream = async (/** @type {number} */ n) => {
    for (let i = 0; i < 400 && arrived.length < n; i++) await sleep(5)
    return /** @type {import('../index').QUICStream} */ (arrived[n - 1])
  }
  const text = (/** @type {Uint8Array | null} */ c) => (c == null ? null : Buffer.from(c).toString())

  // Both FINs: data-sent and data-read on each side.
  const a = client.connection.newStream()
  assert.deepEqual([a.readState, a.writeState], ['recv', 'send'])
  await a.end(Buffer.from('a'))
  assert.equal(a.writeState, 'data-sent')
  const sa = await serverStream(1)
  assert.equal(text(await sa.read()), 'a')
  assert.equal(await sa.read(), null)
  assert.equal(sa.readState, 'data-read')
  await sa.end()
  assert.equal(sa.writeState, 'data-sent')
  assert.equal(await a.read(), null)
  assert.deepEqual([a.readState, a.writeState], ['data-read', 'data-sent'])
  await a.closedP

  // Abort and cancel here: reset-sent and stop-sent; the peer's halves: reset-recvd, stop-recvd.
  const b = client.connection.newStream()
  const bw = b.writable.getWriter()
  await bw.write(Buffer.from('b'))
  const sb = await serverStream(2)
  assert.equal(text(await sb.read()), 'b')
  await bw.abort('gone')
  await b.readable.cancel('gone')
  assert.deepEqual([b.readState, b.writeState], ['stop-sent', 'reset-sent'])
  await assert.rejects(sb.read(), errors.ErrorQUICStreamPeerRead)
  assert.equal(sb.readState, 'reset-recvd')
  let stopped = null
  for (let i = 0; i < 200 && stopped == null; i++) {
    stopped = await sb.write(Buffer.from('more')).then(
      () => null,
      (e) => e,
    )
    if (stopped == null) await sleep(5)
  }
  assert.ok(stopped instanceof errors.ErrorQUICStreamPeerWrite, String(stopped))
  assert.equal(sb.writeState, 'stop-recvd')
  await assert.rejects(sb.write(Buffer.from('again')), errors.ErrorQUICStreamPeerWrite, 'the error stays')

  // A unidirectional stream has one half; the other is none from the start.
  const u = client.connection.newStream('uni')
  assert.equal(u.readState, 'none')
  await u.end(Buffer.from('u'))
  const su = await serverStream(3)
  assert.equal(su.writeState, 'none')
  assert.equal(text(await su.read()), 'u')

  // The connection's end: whatever was open fails.
  const c = client.connection.newStream()
  await c.write(Buffer.from('c'))
  await serverStream(4)
  await client.destroy({ force: true })
  assert.deepEqual([c.readState, c.writeState], ['failed', 'failed'])
  assert.equal(c.destroyed, true)
})
