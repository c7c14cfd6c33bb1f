// @ts-check
'use strict'
// QUICStream's direct calls (read, write, end, async iteration) over real UDP on loopback: the
// same bytes, backpressure and errors as its Web Streams, and the locks between the two.
const test = require('node:test')
const assert = require('node:assert/strict')
const { errors, events } = require('../index.js')
const {
  startServer,
  smallWindowServer,
  countedWrites,
  connect,
  onServerStreams,
  readAll,
  pattern,
  sleep,
} = require('./helpers/quic.js')

/** Everything `read()` gives until the end, concatenated. @param {import('../index').QUICStream} s */
async function readToEnd(s) {
  const chunks = []
  for (let c = await s.read(); c != null; c = await s.read()) chunks.push(c)
  return Buffer.concat(chunks)
}

/** A server echoing every stream with the direct calls. @param {import('../index').QUICServer} server */
function directEcho(server) {
  onServerStreams(server, async (s) => {
    try {
      for await (const c of s) await s.write(c)
      await s.end()
    } catch {
      // The client went away.
    }
  })
}

test('4 MiB echoed byte-exact; writes queued without waiting go out in order', async (t) => {
  const server = await startServer(t)
  directEcho(server)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const data = pattern(4 * 1024 * 1024, 9)
  const reading = readToEnd(s)
  // Uneven pieces, none awaited: order and completeness rest on the write queue.
  /** @type {Promise<void>[]} */
  const writes = []
  for (let off = 0, n = 1; off < data.length; off += n, n = (n * 7 + 1000) % 70_000)
    writes.push(s.write(data.subarray(off, off + n)))
  writes.push(s.end())
  await Promise.all(writes)
  const back = await reading
  assert.equal(back.length, data.length)
  assert.ok(back.equals(data))
  await s.closedP
  assert.equal(client.connection.streams.size, 0, 'a finished stream leaves the map')
})

test('a reply written while a received batch is handled leaves at once; the next shares the batch flush', async (t) => {
  const server = await startServer(t)
  /** @type {Promise<number[]>} */
  const sentCounts = new Promise((resolve) => {
    onServerStreams(server, async (s, conn) => {
      // The first message may come with the handshake, whose streams are handed out later.
      await s.write(/** @type {Uint8Array} */ (await s.read()))
      const c = /** @type {Uint8Array} */ (await s.read())
      // Still in the microtasks of the batch that brought the second message.
      const sent = () => conn.native.stats().sent
      const before = sent()
      const first = s.write(c)
      const afterFirst = sent()
      const second = s.write(c)
      resolve([before, afterFirst, sent()])
      await Promise.all([first, second, s.end()])
    })
  })
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  await s.write(Buffer.from('hello'))
  assert.equal(Buffer.from(/** @type {Uint8Array} */ (await s.read())).toString(), 'hello')
  await s.write(Buffer.from('ping'))
  assert.equal((await readToEnd(s)).toString(), 'pingping')
  const [before, afterFirst, afterSecond] = await sentCounts
  assert.equal(afterFirst, before + 1, 'the first reply did not leave at once')
  assert.equal(afterSecond, afterFirst, 'the second reply did not wait for the batch flush')
})

test('a ping-pong costs the server one send call a ping: the batch flush after the early reply has nothing to do and is skipped', async (t) => {
  const { fast } = require('../src/native.js')
  const server = await startServer(t)
  /** @type {Promise<import('../index').QUICConnection>} */
  const serverConn = new Promise((resolve) => {
    onServerStreams(server, async (s, conn) => {
      resolve(conn)
      try {
        for await (const c of s) await s.write(c)
        await s.end()
      } catch {
        // The client went away.
      }
    })
  })
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const ping = Buffer.from('ping')
  // The first exchange opens the stream and may ride the handshake's last packets.
  await s.write(ping)
  await s.read()
  const handle = /** @type {any} */ (await serverConn).handle
  // The driver's invariant checks (QUIC_CHECK_DRIVER) flush too: not what is counted here.
  const ConnectionDriver = require('../src/ConnectionDriver.js')
  const checking = ConnectionDriver.checking
  ConnectionDriver.checking = false
  const original = fast.flushToFd
  let calls = 0
  fast.flushToFd = (h, ...rest) => {
    if (h === handle) calls++
    return original(h, ...rest)
  }
  t.after(() => {
    fast.flushToFd = original
    ConnectionDriver.checking = checking
  })
  const pings = 50
  for (let i = 0; i < pings; i++) {
    await s.write(ping)
    assert.equal(Buffer.from(/** @type {Uint8Array} */ (await s.read())).toString(), 'ping')
  }
  // One reply flush a ping (a timer's flush may add a few); without the skip it was two.
  assert.ok(calls >= pings && calls < pings * 1.2, `${calls} send calls for ${pings} pings`)
})

test('end(chunk) sends the last bytes with the FIN; end() again gives the same promise', async (t) => {
  const server = await startServer(t)
  directEcho(server)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const ended = s.end(Buffer.from('only'))
  assert.equal(s.end(), ended)
  await ended
  assert.equal(s.writeClosed, true)
  assert.equal((await readToEnd(s)).toString(), 'only')
  assert.equal(await s.read(), null, 'a finished read side keeps answering null')
  await assert.rejects(s.write(Buffer.from('late')), errors.ErrorQUICStreamLocalWrite)
  await assert.rejects(s.write(/** @type {any} */ ('text')), TypeError)
})

test('end(chunk) with more than the flow window: the rest goes as the peer reads, then the FIN', async (t) => {
  const window = 64 * 1024
  const { server, firstStream } = await smallWindowServer(t, window)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const data = pattern(5 * window + 123, 4)
  let ended = false
  const ending = s.end(data).then(() => (ended = true))
  await sleep(200)
  assert.equal(ended, false, 'end() resolves only once the stream took every byte')
  assert.throws(() => s.writable, errors.ErrorQUICStreamLocked, 'the pending end() locks the writable')
  const got = await readToEnd(await firstStream)
  await ending
  assert.ok(got.equals(data))
  assert.equal(s.writeClosed, true)
})

test('chunks read() hands out stay intact while later reads fill the same memory', async (t) => {
  const server = await startServer(t)
  directEcho(server)
  const client = await connect(t, server.port)
  // ~300 KiB in small chunks across streams: several of the shared read slabs.
  /** @type {Array<{ sent: Buffer, got: Uint8Array[] }>} */
  const all = []
  for (let round = 0; round < 10; round++) {
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const sent = pattern(700 + ((round * 31 + i * 17) % 900), round * 30 + i)
        const s = client.connection.newStream()
        /** @type {Uint8Array[]} */
        const got = []
        all.push({ sent, got })
        const reading = (async () => {
          for (let c = await s.read(); c != null; c = await s.read()) got.push(c)
        })()
        await s.end(sent)
        await reading
      }),
    )
  }
  for (const { sent, got } of all) assert.ok(Buffer.concat(got).equals(sent))
})

test('backpressure: a write waits while the peer does not read, and completes when it does', async (t) => {
  const window = 128 * 1024
  const { server, firstStream } = await smallWindowServer(t, window)
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  const chunk = Buffer.alloc(32 * 1024, 1)
  const writing = countedWrites(
    (c) => s.write(c),
    () => s.end(),
    chunk,
    64,
  )
  await sleep(400)
  const accepted = writing.written()
  assert.ok(accepted <= window + chunk.length, `writer got ${accepted} bytes past a ${window} window`)
  assert.ok(accepted >= window / 2, `writer stalled at ${accepted} bytes, well inside the window`)
  assert.throws(() => s.writable, errors.ErrorQUICStreamLocked, 'a pending write locks the writable')
  const all = await readToEnd(await firstStream)
  await writing.done
  assert.equal(all.length, 64 * chunk.length)
})

test('locks: a side taken by its Web Stream refuses direct calls, and one read() at a time', async (t) => {
  const server = await startServer(t)
  /** @type {import('../index').QUICStream[]} */
  const peers = []
  onServerStreams(server, (s) => {
    peers.push(s)
  })
  const client = await connect(t, server.port)
  const a = client.connection.newStream()
  const w = a.writable.getWriter()
  await assert.rejects(a.write(Buffer.from('x')), errors.ErrorQUICStreamLocked)
  await assert.rejects(a.end(), errors.ErrorQUICStreamLocked)
  const reader = a.readable.getReader()
  await assert.rejects(a.read(), errors.ErrorQUICStreamLocked)
  reader.releaseLock()
  await w.close()

  const b = client.connection.newStream()
  const pending = b.read()
  await assert.rejects(b.read(), errors.ErrorQUICStreamLocked, 'a second concurrent read')
  assert.throws(() => b.readable, errors.ErrorQUICStreamLocked, 'a pending read locks the readable')
  b.cancel('done')
  // As in 2.x, a cancelled stream's calls fail with the reason given.
  assert.equal(
    await pending.then(
      () => 'read',
      (e) => e,
    ),
    'done',
  )
})

test('a header read with read(), the rest through the readable: nothing lost between them', async (t) => {
  const server = await startServer(t)
  const body = pattern(300 * 1024, 4)
  onServerStreams(server, async (s) => {
    const header = Buffer.alloc(4)
    header.writeUInt32BE(body.length)
    await s.write(header)
    await s.end(body)
  })
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  await s.write(Buffer.from('go'))
  const first = /** @type {Uint8Array} */ (await s.read())
  assert.ok(first.length >= 4)
  const length = Buffer.from(first.buffer, first.byteOffset, 4).readUInt32BE(0)
  const rest = await readAll(s.readable)
  assert.equal(length, body.length)
  assert.ok(Buffer.concat([first.subarray(4), rest]).equals(body))
})

test('peer reset and STOP_SENDING reach read() and write() with mapped codes', async (t) => {
  const reasonToCode = (/** @type {string} */ _type, /** @type {any} */ reason) =>
    reason === 'nope' ? 11 : reason === 'stop' ? 22 : 1
  const codeToReason = (/** @type {string} */ type, /** @type {number} */ code) => `${type}:${code}`
  const server = await startServer(t, { reasonToCode, codeToReason })
  onServerStreams(server, async (s) => {
    const first = await s.read()
    // 'reset' → abort our writing; 'stop' → stop the client's writing.
    if (Buffer.from(/** @type {Uint8Array} */ (first)).toString() === 'reset') await s.writable.abort('nope')
    else s.readable.cancel('stop')
  })
  const client = await connect(t, server.port, { reasonToCode, codeToReason })
  const a = client.connection.newStream()
  /** @type {unknown} */
  let readEvent = null
  a.addEventListener(events.EventQUICStreamCloseRead.name, (e) => {
    readEvent = /** @type {any} */ (e).detail
  })
  await a.write(Buffer.from('reset'))
  // As in 2.x, calls fail with what codeToReason gave; the close event has the classed error.
  const readErr = await a.read().then(
    () => null,
    (e) => e,
  )
  assert.equal(readErr, 'read:11')
  assert.equal(
    await a.read().then(
      () => null,
      (e) => e,
    ),
    'read:11',
    'the error stays',
  )
  assert.ok(readEvent instanceof errors.ErrorQUICStreamPeerRead, String(readEvent))
  assert.equal(/** @type {any} */ (readEvent).data.code, 11)
  assert.equal(/** @type {any} */ (readEvent).data.reason, 'read:11')

  const b = client.connection.newStream()
  await b.write(Buffer.from('stop'))
  let writeErr = null
  for (let i = 0; i < 100 && writeErr == null; i++) {
    await sleep(10)
    writeErr = await b.write(Buffer.from('more')).then(
      () => null,
      (e) => e,
    )
  }
  assert.equal(writeErr, 'write:22')
})

test('leaving a for-await loop early sends STOP_SENDING; a dropped connection fails pending calls', async (t) => {
  const server = await startServer(t)
  /** @type {Promise<unknown>} */
  let serverWrite = Promise.resolve()
  onServerStreams(server, (s) => {
    serverWrite = (async () => {
      const chunk = Buffer.alloc(16 * 1024, 2)
      for (let i = 0; i < 1000; i++) await s.write(chunk)
    })().then(
      () => null,
      (e) => e,
    )
  })
  const client = await connect(t, server.port)
  const s = client.connection.newStream()
  await s.write(Buffer.from('start'))
  let got = 0
  for await (const c of s) {
    got += c.length
    if (got > 64 * 1024) break
  }
  assert.equal(s.readClosed, true)
  const err = await serverWrite
  assert.ok(err instanceof errors.ErrorQUICStreamPeerWrite, `the server's writer saw ${err}`)

  const other = client.connection.newStream()
  await other.write(Buffer.from('hi'))
  const reading = other.read().then(
    () => null,
    (e) => e,
  )
  await client.destroy({ force: true })
  const readErr = await reading
  assert.ok(readErr instanceof errors.ErrorQUIC, `pending read failed with ${readErr}`)
  await assert.rejects(other.write(Buffer.from('x')), errors.ErrorQUIC)
})

test("a peer's FIN in a frame of its own: the stream is let go and its credit returned", async (t) => {
  // The FIN is read as an empty marker after the data; quiche keeps such a stream until the
  // marker is read away. With 10 streams allowed, 60 in a row stall unless credit comes back.
  const server = await startServer(t, { config: { initialMaxStreamsBidi: 10 } })
  /** @type {import('../index').QUICConnection | null} */
  let serverConn = null
  onServerStreams(server, async (s, conn) => {
    serverConn = conn
    try {
      const got = await readToEnd(s)
      await s.end(got)
    } catch {
      // The client went away.
    }
  })
  const client = await connect(t, server.port)
  /** @type {NodeJS.Timeout | undefined} */
  let timer
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve('stalled'), 20_000)
  })
  t.after(() => clearTimeout(timer))
  for (let i = 0; i < 60; i++) {
    const s = client.connection.newStream()
    await s.write(Buffer.from(`request ${i}`))
    // Let the data leave on its own, so the FIN goes in a later packet.
    for (let j = 0; j < 3; j++) await new Promise((resolve) => setImmediate(resolve))
    await s.end()
    const back = await Promise.race([readToEnd(s), deadline])
    assert.notEqual(back, 'stalled', `stream ${i} never completed: the peer's stream credit ran out`)
    assert.equal(back.toString(), `request ${i}`)
  }
  // The server lets go of every stream: a graceful stop of its side does not wait for any.
  assert.ok(serverConn != null)
  const stopped = /** @type {import('../index').QUICConnection} */ (serverConn).stop({ force: false })
  /** @type {NodeJS.Timeout | undefined} */
  let wait
  const waiting = new Promise((resolve) => {
    wait = setTimeout(() => resolve('waiting'), 5_000)
  })
  assert.equal(await Promise.race([stopped.then(() => 'stopped'), waiting]), 'stopped')
  clearTimeout(wait)
})

test('a FIN with no data of its own, written while an ACK for the data waits to be read, still arrives', async (t) => {
  const server = await startServer(t)
  onServerStreams(server, async (s) => {
    try {
      const req = await readToEnd(s)
      await s.write(req)
      // Right after the data left (its flush was queued first), hold the loop up so the client's
      // ACK for it waits in the socket, and end from a timer: a flush queued by that end would
      // run only after the ACK was handled.
      setImmediate(() => {
        setTimeout(() => {
          s.end().catch(() => {})
        }, 0)
        const t0 = Date.now()
        while (Date.now() - t0 < 30);
      })
    } catch {
      // The client went away.
    }
  })
  const client = await connect(t, server.port)
  for (let i = 0; i < 10; i++) {
    const s = client.connection.newStream()
    await s.end(Buffer.from(`request ${i}`))
    /** @type {NodeJS.Timeout | undefined} */
    let timer
    const stalled = new Promise((resolve) => {
      timer = setTimeout(() => resolve('stalled'), 3_000)
    })
    const back = await Promise.race([readToEnd(s), stalled])
    clearTimeout(timer)
    assert.notEqual(back, 'stalled', `stream ${i}: the server's FIN never came`)
    assert.equal(back.toString(), `request ${i}`)
  }
})

test('unidirectional streams: a local one reads as ended at once, a peer one refuses write() and end()', async (t) => {
  const server = await startServer(t)
  /** @type {Promise<import('../index').QUICStream>} */
  const peer = new Promise((resolve) => onServerStreams(server, resolve))
  const client = await connect(t, server.port)
  const uni = client.connection.newStream('uni')
  assert.equal(await uni.read(), null, 'a local unidirectional stream has nothing to read')
  await uni.end(Buffer.from('one way'))
  const p = await peer
  await assert.rejects(p.write(Buffer.from('back')), {
    name: 'ErrorQUICStreamLocalWrite',
    message: 'a peer unidirectional stream cannot be written',
  })
  await assert.rejects(p.end(), errors.ErrorQUICStreamLocalWrite)
  const chunks = []
  for await (const c of p) chunks.push(c)
  assert.equal(Buffer.concat(chunks).toString(), 'one way')
})
