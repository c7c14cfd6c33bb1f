// A type test (compiled by `npm run typecheck` and, in a fresh project against the packed
// tarball, by scripts/pack-test.js under `strict`, `skipLibCheck: false` and no DOM lib; never
// run): listeners get their event's class and `detail` without a cast, by name or as 2.x wrote it.

import {
  errors,
  events,
  native,
  type QUICConnection,
  type QUICServer,
  type QUICSocket,
  type QUICStream,
} from '@matrixai/quic'
import { compat, Http3Client, Http3Server } from '@matrixai/quic/http3'
import { WebTransport } from '@matrixai/quic/webtransport'

export function typedListeners(server: QUICServer, socket: QUICSocket): void {
  server.addEventListener('EventQUICServerConnection', (event) => {
    const connection: QUICConnection = event.detail
    connection.addEventListener(events.EventQUICConnectionStream.name, (e) => {
      const stream: QUICStream = e.detail
      stream.addEventListener('EventQUICStreamDestroyed', () => {})
      void stream.readable.pipeTo(stream.writable)
    })
    connection.addEventListener('EventQUICConnectionDatagram', ({ detail }) => {
      const total: number = detail.reduce((n, d) => n + d.byteLength, 0)
      void total
    })
    connection.addEventListener(
      'EventQUICConnectionClose',
      (e) => {
        const why: errors.ErrorQUICConnection | undefined = e.detail
        if (why instanceof errors.ErrorQUICConnectionPeer) console.log(why.data.errorCode)
      },
      { once: true },
    )
    connection.addEventListener(events.EventQUICConnectionPeerMigrated.name, (e) => {
      const where: string = `${e.detail.host}:${e.detail.port}`
      void where
    })
  })
  server.addEventListener('EventQUICServerError', {
    handleEvent(e) {
      const error: errors.ErrorQUICServer = e.detail
      console.error(error.message)
    },
  })
  socket.addEventListener('EventQUICSocketError', (e) => console.error(e.detail.code))
  // Any other type still takes a plain listener.
  const plain = (e: Event): void => console.log(e.type)
  server.addEventListener('custom', plain)
  server.removeEventListener('custom', plain)
}

/** The addon's per-packet calls are typed too. */
export function polled(connection: QUICConnection): number {
  return native.fast.pollInto(connection.native.handle(), new Float64Array(64))
}

/** An HTTP/3 server with a fetch-style handler, typed from its subpath. */
export async function http3(key: string, cert: string): Promise<Http3Server> {
  const server = new Http3Server({
    key,
    cert,
    handler: async (request, info) => {
      const body = await request.text()
      info.setTrailers(new Headers({ 'x-length': String(body.length) }))
      return new Response(body, { status: info.streamId >= 0 ? 200 : 500 })
    },
  })
  await server.start({ host: '127.0.0.1', port: 0 })
  return server
}

/** fetch over HTTP/3, with the response's trailers. */
export async function http3Fetch(ca: string, url: string): Promise<string> {
  const client = new Http3Client({ ca })
  try {
    const response = await client.fetch(url, { method: 'POST', body: 'ping' })
    const text = await response.text()
    const digest: string | null = (await response.trailers).get('x-digest')
    return `${response.status} ${text} ${digest ?? ''}`
  } finally {
    await client.close()
  }
}

/** The WebTransport client, typed as the browser's. */
export async function webTransport(ca: string, url: string): Promise<number> {
  const wt = new WebTransport(url, { ca })
  await wt.ready
  const { readable, writable } = await wt.createBidirectionalStream()
  const writer = writable.getWriter()
  await writer.write(new TextEncoder().encode('hi'))
  await writer.close()
  let n = 0
  for await (const chunk of readable) n += chunk.byteLength
  wt.close({ closeCode: 0, reason: 'done' })
  const { closeCode } = await wt.closed
  return n + closeCode
}

/** A node:http2-style handler through compat(). */
export const compatHandler = compat((req, res) => {
  res.setHeader('x-path', req.url)
  req.pipe(res)
})
