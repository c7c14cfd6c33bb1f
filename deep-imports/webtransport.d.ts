// `@matrixai/quic/webtransport`: WebTransport over HTTP/3 sessions, shaped like the browser's
// `WebTransport`. Hand-written.
import type { ReadableStream, WritableStream } from 'node:stream/web'

export { Http3Server } from './http3.js'

/** An error of a WebTransport stream or session, as the browser's `WebTransportError`. */
export declare class WebTransportError extends Error {
  constructor(message: string, init?: { source?: 'stream' | 'session'; streamErrorCode?: number | null })
  readonly source: 'stream' | 'session'
  /** The peer's application code for a stream reset or stop (0 to 2^32 - 1). */
  readonly streamErrorCode: number | null
}

export interface WebTransportBidirectionalStream {
  readonly readable: ReadableStream<Uint8Array>
  readonly writable: WritableStream<Uint8Array>
}

/** What a session offers, on either side: the browser's `WebTransport` members. */
export interface WebTransportSessionLike {
  readonly url: string
  readonly ready: Promise<void>
  /** Resolves when the session ends: the peer's (or this side's) code and reason; 0 and '' without. */
  readonly closed: Promise<{ closeCode: number; reason: string }>
  readonly incomingBidirectionalStreams: ReadableStream<WebTransportBidirectionalStream>
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>
  readonly datagrams: {
    readonly readable: ReadableStream<Uint8Array>
    readonly writable: WritableStream<Uint8Array>
    readonly maxDatagramSize: number
  }
  createBidirectionalStream(): Promise<WebTransportBidirectionalStream>
  createUnidirectionalStream(): Promise<WritableStream<Uint8Array>>
  /** CLOSE_WEBTRANSPORT_SESSION with `closeCode` and `reason`; the session's streams are reset. */
  close(info?: { closeCode?: number; reason?: string }): void
}

/**
 * A WebTransport session (an Http3Server's `onWebTransport` gets each one). Streams and
 * datagrams as the browser's `WebTransport` has them; aborting a writable or cancelling a
 * readable with a `WebTransportError` sends its `streamErrorCode`.
 */
export interface WebTransportSession extends WebTransportSessionLike {}
export declare class WebTransportSession {
  /** The session's id (its CONNECT stream's). */
  readonly sessionId: number
}

/**
 * The client, with the browser's `WebTransport` interface: its own QUIC connection (ALPN h3),
 * the server's SETTINGS checked for WebTransport, an extended CONNECT; `ready` once accepted
 * (rejects with a WebTransportError on refusal), `closed` with the session's end.
 */
export interface WebTransport extends WebTransportSessionLike {}
export declare class WebTransport {
  constructor(
    url: string | URL,
    opts?: {
      /** PEM of the CA(s) to trust. */
      ca?: string | string[]
      verifyPeer?: boolean
      config?: Partial<import('../index.js').QUICConfig>
      /** ms (15 000). */
      connectTimeout?: number
      /** More request headers for the extended CONNECT. */
      headers?: Record<string, string>
    },
  )
}

/** A WebTransport application error code as the HTTP/3 code on the wire, and back (null outside the range). */
export declare function toHttp3(code: number): number
export declare function fromHttp3(h3: number): number | null
export declare const WT_ERROR: Readonly<{ SESSION_GONE: number; BUFFERED_STREAM_REJECTED: number }>
