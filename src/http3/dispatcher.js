// @ts-check
'use strict'
// Http3Dispatcher: an undici `Dispatcher` over HTTP/3, so Node's own `fetch(url, { dispatcher })`
// (and undici's `request`) go over this library's HTTP/3. It takes undici's dispatch options and
// calls the handler's callbacks (onConnect, onHeaders, onData with pause/resume, onComplete,
// onError), which every undici Node bundles (5 in Node 20.11, 6 in 22, 7 in 24) still drives
// fetch through. Connections are an Http3Client's: one per origin, reused.

const { Http3Client } = require('./client.js')
const { ERROR, H3Error } = require('./frames.js')

/**
 * undici's request headers (an array of alternating names and values, an object, or an
 * iterable of pairs) as Headers.
 * @param {unknown} raw
 */
function headersOf(raw) {
  const headers = new Headers()
  if (raw == null) return headers
  if (Array.isArray(raw) && (raw.length === 0 || !Array.isArray(raw[0]))) {
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(String(raw[i]), String(raw[i + 1]))
    return headers
  }
  const pairs =
    typeof (/** @type {any} */ (raw)[Symbol.iterator]) === 'function'
      ? raw
      : Object.entries(/** @type {object} */ (raw))
  for (const [name, value] of /** @type {Iterable<[string, unknown]>} */ (pairs)) {
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v))
  }
  return headers
}

/** A request body as undici hands it over, as bytes or a ReadableStream. @param {unknown} body */
async function bodyOf(body) {
  if (body == null) return null
  if (typeof body === 'string') return Buffer.from(body)
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ReadableStream) return body
  if (typeof Blob !== 'undefined' && body instanceof Blob) return new Uint8Array(await body.arrayBuffer())
  const iterable = /** @type {AsyncIterable<Uint8Array | string>} */ (body)
  if (
    typeof iterable[Symbol.asyncIterator] === 'function' ||
    typeof (/** @type {any} */ (iterable)[Symbol.iterator]) === 'function'
  ) {
    const it = /** @type {AsyncIterator<Uint8Array | string>} */ (
      /** @type {any} */ (iterable)[Symbol.asyncIterator]?.() ?? /** @type {any} */ (iterable)[Symbol.iterator]()
    )
    return new ReadableStream({
      async pull(controller) {
        const { done, value } = await it.next()
        if (done) controller.close()
        else controller.enqueue(typeof value === 'string' ? Buffer.from(value) : value)
      },
      cancel: () => void it.return?.(),
    })
  }
  throw new TypeError('an HTTP/3 request body must be bytes, a string, a Blob or a stream')
}

class Http3Dispatcher {
  /** @param {ConstructorParameters<typeof Http3Client>[0]} [opts] */
  constructor(opts) {
    this.client = new Http3Client(opts)
  }

  /**
   * undici's dispatch: starts the request and returns at once (never busy).
   * @param {{ origin?: string | URL, path: string, method: string, headers?: unknown, body?: unknown }} opts
   * @param {any} handler
   */
  dispatch(opts, handler) {
    this.run(opts, handler).catch((e) => handler.onError?.(e))
    return true
  }

  /** @param {Parameters<Http3Dispatcher['dispatch']>[0]} opts @param {any} handler */
  async run(opts, handler) {
    const url = new URL(opts.path, opts.origin)
    /** @type {import('../QUICStream.js') | null} */
    let stream = null
    let aborted = false
    handler.onConnect?.((/** @type {unknown} */ reason) => {
      aborted = true
      stream?.cancel(new H3Error(ERROR.REQUEST_CANCELLED, String(reason ?? 'aborted'), { stream: true }))
    })
    if (aborted) return
    const { msg, status } = await this.client.request(
      url,
      opts.method,
      headersOf(opts.headers),
      await bodyOf(opts.body),
      (s) => {
        stream = s
      },
    )
    /** @type {Buffer[]} */
    const raw = []
    msg.headers.forEach((value, name) => {
      raw.push(Buffer.from(name), Buffer.from(value, 'latin1'))
    })
    /** @type {(() => void) | null} */
    let resumed = null
    const resume = () => {
      const r = resumed
      resumed = null
      r?.()
    }
    let go = handler.onHeaders?.(status, raw, resume, '') !== false
    const reader = msg.body.getReader()
    for (;;) {
      if (!go) await new Promise((r) => (resumed = () => r(undefined)))
      const { done, value } = await reader.read()
      if (done) break
      go = handler.onData?.(Buffer.from(value.buffer, value.byteOffset, value.byteLength)) !== false
    }
    /** @type {Buffer[]} */
    const trailers = []
    ;(await msg.trailers).forEach((value, name) => {
      trailers.push(Buffer.from(name), Buffer.from(value, 'latin1'))
    })
    handler.onComplete?.(trailers)
  }

  /** Closes every connection. */
  async close() {
    await this.client.close()
  }

  async destroy() {
    await this.client.close()
  }
}

module.exports = { Http3Dispatcher }
