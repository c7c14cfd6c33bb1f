// @ts-check
'use strict'
// One HTTP/3 message exchange on a request stream (RFC 9114 §4), either side: reading a message
// (HEADERS, then the body as DATA frames piece by piece with backpressure, then trailers) and
// writing one (HEADERS, the body from a Web ReadableStream as DATA frames, trailers, FIN). The
// field checks of §4.2–4.3 (lowercase names, no connection-specific fields, the pseudo-header
// rules) are a malformed message: H3_MESSAGE_ERROR on that stream.

const qpack = require('./qpack.js')
const { FRAME, ERROR, H3Error, frame, dataHeader, FrameParser } = require('./frames.js')

/** Fields HTTP/3 forbids (RFC 9114 §4.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

/** @param {string} message */
const malformed = (message) => new H3Error(ERROR.MESSAGE_ERROR, message, { stream: true })

/**
 * Splits a field section into pseudo-headers and a Headers object, checking them.
 * @param {Array<[string, string]>} fields @param {boolean} trailers
 */
function splitFields(fields, trailers = false) {
  /** @type {Record<string, string>} */
  const pseudo = {}
  const headers = new Headers()
  let regular = false
  for (const [name, value] of fields) {
    if (name !== name.toLowerCase()) throw malformed(`field name ${name} is not lowercase`)
    if (name.startsWith(':')) {
      if (trailers) throw malformed('a pseudo-header in trailers')
      if (regular) throw malformed(`pseudo-header ${name} after a regular field`)
      if (name in pseudo) throw malformed(`pseudo-header ${name} repeated`)
      pseudo[name] = value
      continue
    }
    regular = true
    if (CONNECTION_SPECIFIC.has(name)) throw malformed(`connection-specific field ${name}`)
    if (name === 'te' && value !== 'trailers') throw malformed('te other than trailers')
    try {
      headers.append(name, value)
    } catch {
      throw malformed(`field ${name} is not a valid HTTP field`)
    }
  }
  return { pseudo, headers }
}

/**
 * Reads a message's head from `stream`; resolves with its fields, a `body` (a Web
 * ReadableStream of the DATA payload, read from the QUIC stream only as it is pulled), and a
 * promise of its trailers (a Headers, empty without).
 * @param {import('../QUICStream.js')} stream
 * @param {{ maxFieldSectionSize: number, first?: Buffer }} opts `first`: bytes of the stream already read
 */
async function readMessage(stream, opts) {
  const parser = new FrameParser({ maxFrame: opts.maxFieldSectionSize })
  /** @type {Array<{ type: number, payload?: Buffer, data?: Uint8Array }>} */
  let queue = opts.first === undefined ? [] : parser.push(opts.first)
  let ended = false
  const next = async () => {
    while (queue.length === 0) {
      if (ended) return null
      const chunk = await stream.read()
      if (chunk === null) {
        ended = true
        if (!parser.atBoundary)
          throw new H3Error(ERROR.FRAME_ERROR, 'the stream ended inside a frame', { stream: true })
        return null
      }
      queue = parser.push(chunk)
    }
    return /** @type {{ type: number, payload?: Buffer, data?: Uint8Array }} */ (queue.shift())
  }
  let head = null
  while (head === null) {
    const f = await next()
    if (f === null) throw new H3Error(ERROR.REQUEST_INCOMPLETE, 'the stream ended before its HEADERS', { stream: true })
    if (f.type === FRAME.HEADERS) head = f.payload
    else if (f.type === FRAME.DATA) throw new H3Error(ERROR.FRAME_UNEXPECTED, 'DATA before HEADERS')
    else if (f.type === FRAME.SETTINGS || f.type === FRAME.GOAWAY || f.type === FRAME.MAX_PUSH_ID) {
      throw new H3Error(ERROR.FRAME_UNEXPECTED, `frame ${f.type} on a request stream`)
    }
  }
  const fields = decodeFields(/** @type {Buffer} */ (head), opts.maxFieldSectionSize)
  const { pseudo, headers } = splitFields(fields)
  /** @type {(h: Headers) => void} */
  let resolveTrailers = () => {}
  /** @type {Promise<Headers>} */
  const trailers = new Promise((resolve) => {
    resolveTrailers = resolve
  })
  const declared = headers.get('content-length')
  let received = 0
  /** @type {ReadableStream<Uint8Array>} */
  const body = new ReadableStream({
    async pull(controller) {
      for (;;) {
        const f = await next()
        if (f === null) {
          if (declared !== null && Number(declared) !== received) {
            throw malformed(`content-length ${declared}, body ${received} bytes`)
          }
          resolveTrailers(new Headers())
          controller.close()
          return
        }
        if (f.type === FRAME.DATA) {
          const data = /** @type {Uint8Array} */ (f.data)
          if (data.length === 0) continue
          received += data.length
          controller.enqueue(data)
          return
        }
        if (f.type === FRAME.HEADERS) {
          resolveTrailers(
            splitFields(decodeFields(/** @type {Buffer} */ (f.payload), opts.maxFieldSectionSize), true).headers,
          )
          // Nothing may follow trailers.
          if ((await next()) !== null) throw new H3Error(ERROR.FRAME_UNEXPECTED, 'a frame after trailers')
          controller.close()
          return
        }
      }
    },
    cancel(reason) {
      resolveTrailers(new Headers())
      // STOP_SENDING only: the other direction (a response under way) goes on.
      const why =
        reason instanceof H3Error ? reason : new H3Error(ERROR.REQUEST_CANCELLED, 'body cancelled', { stream: true })
      return stream.receiver.cancel(why).catch(() => {})
    },
  })
  return { pseudo, headers, body, trailers }
}

/**
 * A HEADERS frame: `pseudo` first, then `headers` (connection-specific fields left out).
 * @param {Array<[string, string]>} pseudo @param {Headers | null} headers
 */
function headersFrame(pseudo, headers) {
  /** @type {Array<[string, string]>} */
  const fields = [...pseudo]
  headers?.forEach((value, name) => {
    if (!CONNECTION_SPECIFIC.has(name)) fields.push([name, value])
  })
  return frame(FRAME.HEADERS, qpack.encode(fields))
}

/** @param {Buffer} payload @param {number} max */
function decodeFields(payload, max) {
  try {
    return qpack.decode(payload, max)
  } catch (e) {
    if (e instanceof qpack.QpackError) throw new H3Error(ERROR.QPACK_DECOMPRESSION_FAILED, e.message)
    throw e
  }
}

/**
 * Writes a message: HEADERS (`pseudo` first, then `headers`), the body's chunks as DATA frames
 * (each write waits for the stream to take it: backpressure), `trailers` if any, then FIN.
 * @param {import('../QUICStream.js')} stream
 * @param {Array<[string, string]>} pseudo
 * @param {Headers | null} headers
 * @param {ReadableStream<Uint8Array> | null} body
 * @param {() => Headers | null} [trailersOf] the trailers, asked for once the body has ended
 */
async function writeMessage(stream, pseudo, headers, body, trailersOf = () => null) {
  const head = headersFrame(pseudo, headers)
  if (body === null) {
    const trailers = trailersOf()
    await stream.end(trailers === null ? head : Buffer.concat([head, headersFrame([], trailers)]))
    return
  }
  void stream.write(head).catch(() => {})
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (value.length === 0) continue
      // The frame header and the payload queued back to back, the payload not copied.
      await Promise.all([stream.write(dataHeader(value.length)), stream.write(value)])
    }
  } catch (e) {
    stream.cancel(
      new H3Error(ERROR.INTERNAL_ERROR, `the body failed: ${/** @type {Error} */ (e)?.message}`, { stream: true }),
    )
    throw e
  } finally {
    reader.releaseLock()
  }
  const trailers = trailersOf()
  await stream.end(trailers === null ? undefined : headersFrame([], trailers))
}

/**
 * Writes only a HEADERS frame (the stream stays open: an extended CONNECT's answer).
 * @param {import('../QUICStream.js')} stream @param {Array<[string, string]>} pseudo @param {Headers} headers
 */
async function writeHead(stream, pseudo, headers) {
  await stream.write(headersFrame(pseudo, headers))
}

/**
 * Writes a request in one go: HEADERS, then the body as DATA frames with backpressure when it
 * is a stream, or as one DATA frame (and the FIN) with the HEADERS when it is bytes.
 * @param {import('../QUICStream.js')} stream @param {Array<[string, string]>} pseudo
 * @param {Headers} headers @param {ReadableStream<Uint8Array> | Uint8Array | null} body
 */
function writeRequest(stream, pseudo, headers, body) {
  if (body instanceof ReadableStream) return writeMessage(stream, pseudo, headers, body)
  const head = headersFrame(pseudo, headers)
  if (body === null || body.length === 0) return stream.end(head)
  return stream.end(Buffer.concat([head, dataHeader(body.length), body]))
}

module.exports = { readMessage, writeMessage, writeRequest, writeHead, splitFields }
