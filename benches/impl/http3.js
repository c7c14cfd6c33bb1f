// @ts-check
'use strict'
// Benchmark peers for this library's HTTP/3 (@matrixai/quic/http3): Http3Server with a
// fetch-style handler, Http3Client.fetch; beside node:http2 (impl/http2.js) in the same
// scenarios: a request body streamed up (bulk: the server answers one byte; echo: it answers
// with the body), a response body streamed down (download), and many small requests on one
// connection (streams).
const { Http3Server, Http3Client } = require('../../src/http3/index.js')
const { pki, pool, transfer, sharedClients } = require('./common.js')
const scenarios = require('../scenarios.js')

/** @param {string} scenario */
async function server(scenario) {
  const s = new Http3Server({
    key: pki.key,
    cert: pki.cert,
    config: { initialMaxStreamsBidi: 1000 },
    handler: async (request) => {
      if (scenario === 'download' && request.method === 'GET') {
        const { bytes, chunk } = scenarios.download
        const piece = Buffer.alloc(chunk, 7)
        let sent = 0
        return new Response(
          new ReadableStream({
            pull(controller) {
              if (sent >= bytes) return controller.close()
              controller.enqueue(piece)
              sent += chunk
            },
          }),
        )
      }
      if (scenario === 'bulk') {
        // Read to the end, answer one byte.
        for await (const _ of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (request.body))) {
        }
        return new Response('k')
      }
      return new Response(request.body)
    },
  })
  await s.start({ host: '127.0.0.1', port: 0 })
  return { port: s.port, close: () => s.stop({ force: true }) }
}

/** A client with one connection to `port`, made by a first request. @param {number} port */
async function dial(port) {
  const client = new Http3Client({ ca: pki.ca, config: { initialMaxStreamsBidi: 1000 } })
  await (await client.fetch(`https://localhost:${port}/`, { method: 'POST', body: 'x' })).arrayBuffer()
  return client
}

/** @param {Http3Client} client @param {number} port @param {BodyInit} body */
async function exchange(client, port, body) {
  const response = await client.fetch(`https://localhost:${port}/`, {
    method: 'POST',
    body,
    // @ts-expect-error Node's fetch wants this for a streamed body; the DOM type lacks it.
    duplex: 'half',
  })
  return (await response.arrayBuffer()).byteLength
}

/**
 * One request: `p.bytes` streamed up, then (echo) all of it read back or (bulk) one byte.
 * @param {number} port @param {any} p @param {boolean} echoed
 */
async function stream(port, p, echoed) {
  const client = await dial(port)
  const t = transfer(p)
  let sent = 0
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= p.bytes) return controller.close()
      controller.enqueue(t.chunk)
      sent += p.chunk
    },
  })
  const n = await exchange(client, port, body)
  if (echoed && n !== p.bytes) throw new Error(`echoed ${n} of ${p.bytes}`)
  const result = t.done()
  await client.close()
  return result
}

/** Connect (with its first request), close. @param {number} port */
async function shake(port) {
  const client = await dial(port)
  await client.close()
}

/** @type {Record<string, (port: number, p: any) => Promise<object>>} */
const clients = {
  ...sharedClients({ stream, shake, dial, close: (/** @type {Http3Client} */ c) => c.close() }),
  /** One GET: the server sends `p.bytes`. */
  async download(port, p) {
    const client = await dial(port)
    const t = transfer(p)
    const response = await client.fetch(`https://localhost:${port}/`)
    let n = 0
    for await (const c of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (response.body)))
      n += c.length
    if (n !== p.bytes) throw new Error(`downloaded ${n} of ${p.bytes}`)
    const result = t.done()
    await client.close()
    return result
  },
  async streams(port, p) {
    const client = await dial(port)
    const data = Buffer.alloc(p.size, 3)
    const result = await pool(p, async () => {
      const n = await exchange(client, port, data)
      if (n !== p.size) throw new Error(`echoed ${n} of ${p.size}`)
    })
    await client.close()
    return result
  },
}

module.exports = { server, clients }
