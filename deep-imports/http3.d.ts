// `@matrixai/quic/http3`: HTTP/3 (RFC 9114) on this library's QUIC connections. Hand-written.
import type { Readable, Writable } from 'node:stream'
import type { QUICConfig, QUICConnection, QUICSocket } from '../index.js'

/** An HTTP/3 error: `code` is the HTTP/3 error code; `stream` when only a stream failed. */
export declare class H3Error extends Error {
  constructor(code: number, message: string, opts?: { stream?: boolean })
  readonly code: number
  readonly stream: boolean
}

/** What a handler gets beside the request. */
export interface RequestInfo {
  /** The request's trailers, once its body has been read (empty without). */
  readonly trailers: Promise<Headers>
  /** Trailers to send after the response body. */
  setTrailers(headers: Headers): void
  readonly connection: QUICConnection
  readonly streamId: number
  /** The request's priority (RFC 9218 `priority` field; u=3, not incremental, without one), applied to the response stream. */
  readonly priority: { readonly urgency: number; readonly incremental: boolean }
}

/** A fetch-style handler: a Web `Request` in, a `Response` out (its body streamed with backpressure). */
export type Handler = (request: Request, info: RequestInfo) => Response | Promise<Response>

/**
 * An HTTP/3 server (ALPN `h3`) on a QUICServer. A handler that throws answers 500; `stop()`
 * sends GOAWAY and lets requests in flight finish (up to `timeout` ms, 10 000).
 */
export declare class Http3Server {
  constructor(opts: {
    handler: Handler
    key: string | string[]
    cert: string | string[]
    /** More QUIC configuration (ALPN `h3` and DATAGRAM frames are set). */
    config?: Partial<QUICConfig>
    socket?: QUICSocket
    /** The largest field section accepted (bytes, 65 536). */
    maxFieldSectionSize?: number
    /**
     * Takes each WebTransport session (an extended CONNECT with `:protocol` webtransport),
     * after its 200 went out; to refuse one, close it. Without it, such requests get 404.
     */
    onWebTransport?: (
      session: import('./webtransport.js').WebTransportSession,
      request: Request,
    ) => void | Promise<void>
  })
  readonly host: string
  readonly port: number
  /** Requests being served. */
  readonly inFlight: number
  start(opts?: { host?: string; port?: number }): Promise<void>
  stop(opts?: { force?: boolean; timeout?: number }): Promise<void>
}

/** A Response from `Http3Client.fetch`, with its trailers. */
export interface Http3Response extends Response {
  /** The response's trailers, once its body has been read (empty without). */
  readonly trailers: Promise<Headers>
}

/**
 * `fetch` over HTTP/3: one QUIC connection per origin (ALPN `h3`), reused until the server's
 * GOAWAY; request and response bodies stream with backpressure; `signal` resets the stream.
 */
export declare class Http3Client {
  constructor(opts?: {
    /** PEM of the CA(s) to trust (the system's store is not used). */
    ca?: string | string[]
    verifyPeer?: boolean
    config?: Partial<QUICConfig>
    socket?: QUICSocket
    maxFieldSectionSize?: number
    /** ms (15 000). */
    connectTimeout?: number
  })
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Http3Response>
  /** Closes every connection (H3_NO_ERROR). */
  close(): Promise<void>
}

/**
 * An undici `Dispatcher` over HTTP/3: `fetch(url, { dispatcher })` with Node's own fetch (and
 * undici's `request`) goes over this library's HTTP/3; one connection per origin.
 */
export declare class Http3Dispatcher {
  constructor(opts?: ConstructorParameters<typeof Http3Client>[0])
  dispatch(
    opts: { origin?: string | URL; path: string; method: string; headers?: unknown; body?: unknown },
    handler: unknown,
  ): boolean
  close(): Promise<void>
  destroy(): Promise<void>
}

/** The request of a `compat()` handler: a Readable of the body, with node:http2's request fields. */
export interface CompatRequest extends Readable {
  readonly method: string
  /** Path and query. */
  readonly url: string
  /** Lowercase names; repeated fields joined. */
  readonly headers: Record<string, string>
  readonly authority: string
  readonly scheme: string
}

/** The response of a `compat()` handler, as node:http2's compatibility API has it. */
export interface CompatResponse extends Writable {
  statusCode: number
  readonly headersSent: boolean
  setHeader(name: string, value: string | number | string[]): this
  getHeader(name: string): string | undefined
  removeHeader(name: string): void
  writeHead(status: number, headers?: Record<string, string | number | string[]>): this
  addTrailers(trailers: Record<string, string>): void
}

/** A node:http2-compatibility-style handler `(req, res)` as the fetch-style handler Http3Server takes. */
export declare function compat(handler: (req: CompatRequest, res: CompatResponse) => void | Promise<void>): Handler

/** One HTTP/3 connection over a QUICConnection (control and QPACK streams, SETTINGS, GOAWAY). */
export declare class H3Connection {
  constructor(quic: QUICConnection, opts: { isServer: boolean; maxFieldSectionSize?: number; datagrams?: boolean })
  readonly quic: QUICConnection
  /** The peer's SETTINGS once they came. */
  readonly peerSettings: Map<number, number> | null
  readonly settingsP: Promise<Map<number, number>>
  /** The id of the peer's GOAWAY, if one came. */
  readonly goawayReceived: number | null
  goaway(): void
  close(code?: number, reason?: string): Promise<void>
}

export declare const FRAME: Readonly<Record<string, number>>
export declare const STREAM: Readonly<Record<string, number>>
export declare const SETTING: Readonly<Record<string, number>>
/** HTTP/3 error codes by name (H3_NO_ERROR is `ERROR.NO_ERROR`, 0x100). */
export declare const ERROR: Readonly<Record<string, number>>
