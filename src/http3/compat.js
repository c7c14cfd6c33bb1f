// @ts-check
'use strict'
// `compat(handler)`: a `node:http2`-compatibility-style handler, `(req, res) => void`, as the
// fetch-style handler Http3Server takes. `req` is a Readable of the request body with `method`,
// `url` (path and query), `headers` (lowercase names, joined values), `authority`, `scheme`;
// `res` has `statusCode`, `setHeader` / `getHeader` / `removeHeader`, `writeHead`, `write`
// (returns false past its buffer, then 'drain'), `end`, `addTrailers`, 'finish' and 'close'.
// The response goes out once headers are written; its body streams with backpressure.

const { Readable, Writable } = require('node:stream')

/**
 * @param {(req: Readable & { method: string, url: string, headers: Record<string, string>, authority: string, scheme: string },
 *          res: Writable & Record<string, any>) => void | Promise<void>} handler
 * @returns {(request: Request, info: import('./server.js').RequestInfo) => Promise<Response>}
 */
function compat(handler) {
  return (request, info) =>
    new Promise((resolve, reject) => {
      const url = new URL(request.url)
      /** @type {Record<string, string>} */
      const headers = {}
      request.headers.forEach((value, name) => {
        headers[name] = value
      })
      const req = Object.assign(
        request.body === null
          ? Readable.from([])
          : Readable.fromWeb(/** @type {import('node:stream/web').ReadableStream<Uint8Array>} */ (request.body)),
        { method: request.method, url: `${url.pathname}${url.search}`, headers, authority: url.host, scheme: 'https' },
      )
      /** @type {ReadableStreamDefaultController<Uint8Array> | null} */
      let controller = null
      /** @type {(() => void) | null} */
      let pulled = null
      /** @type {ReadableStream<Uint8Array>} */
      const body = new ReadableStream(
        /** @type {UnderlyingDefaultSource<Uint8Array>} */ ({
          start: (c) => {
            controller = c
          },
          pull: () => {
            const p = pulled
            pulled = null
            p?.()
          },
          cancel: () => {
            res.destroy()
          },
        }),
        { highWaterMark: 0 },
      )
      const outHeaders = new Headers()
      let sent = false
      const res = Object.assign(
        new Writable({
          highWaterMark: 64 * 1024,
          write(chunk, _enc, callback) {
            head()
            if ([204, 205, 304].includes(res.statusCode)) return callback()
            controller?.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
            // The next chunk once the stream asks for more: backpressure from the QUIC stream.
            if ((controller?.desiredSize ?? 1) > 0) callback()
            else pulled = () => callback()
          },
          final(callback) {
            head()
            try {
              controller?.close()
            } catch {
              // Closed already (a status without content).
            }
            callback()
          },
          destroy(err, callback) {
            if (!sent) reject(err ?? new Error('the response was destroyed before its headers'))
            else if (err) controller?.error(err)
            callback(err)
          },
        }),
        {
          statusCode: 200,
          /** @param {string} name @param {string | number | string[]} value */
          setHeader(name, value) {
            outHeaders.delete(name)
            for (const v of Array.isArray(value) ? value : [value]) outHeaders.append(name, String(v))
            return res
          },
          /** @param {string} name */
          getHeader: (name) => outHeaders.get(name) ?? undefined,
          /** @param {string} name */
          removeHeader: (name) => outHeaders.delete(name),
          /** @param {number} status @param {Record<string, string | number | string[]>} [extra] */
          writeHead(status, extra = {}) {
            res.statusCode = status
            for (const [name, value] of Object.entries(extra)) res.setHeader(name, value)
            head()
            return res
          },
          /** @param {Record<string, string>} trailers */
          addTrailers(trailers) {
            info.setTrailers(new Headers(trailers))
          },
          get headersSent() {
            return sent
          },
          stream: { id: info.streamId },
        },
      )
      function head() {
        if (sent) return
        sent = true
        // Statuses without content take no body (the Response constructor refuses one).
        const empty = [204, 205, 304].includes(res.statusCode)
        if (empty) controller?.close()
        resolve(new Response(empty ? null : body, { status: res.statusCode, headers: outHeaders }))
      }
      try {
        const r = handler(req, res)
        if (r && typeof r.then === 'function') r.catch((e) => (sent ? res.destroy(e) : reject(e)))
      } catch (e) {
        reject(e)
      }
    })
}

module.exports = { compat }
