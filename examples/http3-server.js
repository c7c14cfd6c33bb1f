// @ts-check
'use strict'
// An HTTP/3 server on @matrixai/quic:
//
//   node examples/http3-server.js --host H --port P --cert F --key F [--qlog DIR]
//
// Prints one JSON line, {"port":N}, once listening (port 0 picks one). Serves `GET /` → 200
// "hello", `GET /bytes/N` → N bytes, `POST /echo` → the request body, streamed back as it
// comes. WebTransport sessions at `/echo` echo every bidirectional stream on itself, every
// unidirectional stream on a new unidirectional stream, and every datagram. `--qlog DIR` writes a
// qlog per connection there. Stops gracefully (GOAWAY, requests in flight finish) on SIGINT or
// SIGTERM.
const fs = require('node:fs')
const { parseArgs } = require('node:util')
const { Http3Server } = require('@matrixai/quic/http3')
const { echoSession } = require('./webtransport-echo.js')

/**
 * WebTransport sessions at /echo echo; others are closed at once.
 * @param {import('@matrixai/quic/webtransport').WebTransportSession} session @param {Request} request
 */
function onWebTransport(session, request) {
  if (new URL(request.url).pathname !== '/echo') session.close({ closeCode: 404, reason: 'no such session path' })
  else echoSession(session)
}

const MAX_BYTES = 1 << 30

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4433' },
    cert: { type: 'string' },
    key: { type: 'string' },
    qlog: { type: 'string' },
  },
})
if (!values.cert || !values.key) {
  console.error('usage: node examples/http3-server.js --host H --port P --cert FILE --key FILE [--qlog DIR]')
  process.exit(2)
}

/** N bytes of a repeating pattern, streamed in 64 KiB pieces. @param {number} n */
function bytes(n) {
  const piece = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz')
  let left = n
  return new ReadableStream({
    pull(controller) {
      if (left === 0) return controller.close()
      const take = Math.min(left, piece.length)
      left -= take
      controller.enqueue(piece.subarray(0, take))
    },
  })
}

const server = new Http3Server({
  key: fs.readFileSync(values.key, 'utf8'),
  cert: fs.readFileSync(values.cert, 'utf8'),
  // A qlog per connection (`<id>-server.sqlog`), for qvis and the like.
  config: values.qlog ? { qlogDir: values.qlog } : {},
  handler: async (request) => {
    const url = new URL(request.url)
    if (request.method === 'GET' && url.pathname === '/') return new Response('hello')
    const m = /^\/bytes\/(\d+)$/.exec(url.pathname)
    if (request.method === 'GET' && m) {
      const n = Number(m[1])
      if (n > MAX_BYTES) return new Response(`at most ${MAX_BYTES} bytes\n`, { status: 400 })
      return new Response(bytes(n), { headers: { 'content-length': String(n) } })
    }
    if (request.method === 'POST' && url.pathname === '/echo') {
      // Streamed straight back: the response body is the request body, with backpressure.
      return new Response(request.body)
    }
    return new Response('not found\n', { status: 404 })
  },
  onWebTransport,
})

async function main() {
  await server.start({ host: values.host, port: Number(values.port) })
  console.log(JSON.stringify({ port: server.port }))
  const stop = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
