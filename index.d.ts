// Public types of @matrixai/quic, written by hand. Names follow @matrixai/quic 2.x; everything
// new is an addition. `native` is the raw addon; its types are generated from the Rust doc comments.

import type * as dgram from 'node:dgram'
import type { TextDecoder, TextEncoder } from 'node:util'
import type * as binding from './src/native/binding'

/** A TypeScript-style enum as 2.x's `native` namespace exported it: name → number and back. */
type CodeTable<Names extends string> = Readonly<Record<Names, number> & Record<number, Names>>

/** The raw addon, with the code tables of 2.x's `native` namespace. */
export declare const native: typeof binding & {
  /** QUIC transport error codes (RFC 9000 §20.1), for `stop({ isApp: false, errorCode })`. */
  readonly ConnectionErrorCode: CodeTable<
    | 'NoError'
    | 'InternalError'
    | 'ConnectionRefused'
    | 'FlowControlError'
    | 'StreamLimitError'
    | 'StreamStateError'
    | 'FinalSizeError'
    | 'FrameEncodingError'
    | 'TransportParameterError'
    | 'ConnectionIdLimitError'
    | 'ProtocolViolation'
    | 'InvalidToken'
    | 'ApplicationError'
    | 'CryptoBufferExceeded'
    | 'KeyUpdateError'
    | 'AEADLimitReached'
    | 'NoViablePath'
  >
  /** TLS alerts as QUIC codes (0x100 + alert): what a `verifyCallback` returns to reject. */
  readonly CryptoError: CodeTable<
    | 'CloseNotify'
    | 'UnexpectedMessage'
    | 'BadRecordMac'
    | 'RecordOverflow'
    | 'HandshakeFailure'
    | 'BadCertificate'
    | 'UnsupportedCertificate'
    | 'CertificateRevoked'
    | 'CertificateExpired'
    | 'CertificateUnknown'
    | 'IllegalParameter'
    | 'UnknownCA'
    | 'AccessDenied'
    | 'DecodeError'
    | 'DecryptError'
    | 'ProtocolVersion'
    | 'InsufficientSecurity'
    | 'InternalError'
    | 'InappropriateFallback'
    | 'UserCanceled'
    | 'MissingExtension'
    | 'UnsupportedExtension'
    | 'UnrecognizedName'
    | 'BadCertificateStatusResponse'
    | 'UnknownPSKIdentity'
    | 'CertificateRequired'
    | 'NoApplicationProtocol'
  >
  readonly CongestionControlAlgorithm: CodeTable<'Reno' | 'CUBIC' | 'BBR'>
  readonly Shutdown: CodeTable<'Read' | 'Write'>
  readonly Type: CodeTable<'Initial' | 'Retry' | 'Handshake' | 'ZeroRTT' | 'VersionNegotiation' | 'Short'>
  /** 2.x's `native.quiche`: its constants and code tables (not its raw classes). */
  readonly quiche: {
    readonly MAX_CONN_ID_LEN: number
    readonly MIN_CLIENT_INITIAL_LEN: number
    readonly PROTOCOL_VERSION: number
    readonly MAX_DATAGRAM_SIZE: number
    readonly MAX_UDP_PACKET_SIZE: number
    readonly MAX_STREAM_WINDOW: number
    readonly MAX_CONNECTION_WINDOW: number
    readonly CRYPTO_ERROR_START: number
    readonly CRYPTO_ERROR_STOP: number
    readonly ConnectionErrorCode: (typeof native)['ConnectionErrorCode']
    readonly CongestionControlAlgorithm: (typeof native)['CongestionControlAlgorithm']
    readonly Shutdown: (typeof native)['Shutdown']
    readonly Type: (typeof native)['Type']
  }
  /**
   * The per-packet calls as plain Node-API functions (what the `Connection` methods of the same
   * names do, without napi-rs's per-call glue); each takes the connection's `handle()`.
   */
  readonly fast: {
    /** `poll()` into `out` (see `Connection.pollInto`); returns how many stream ids follow the header. */
    pollInto(handle: number, out: Float64Array): number
    /** Reads up to `maxLength` bytes into `target` at `offset`: a byte count, or a chunk with its end. */
    streamReadInto(
      handle: number,
      streamId: number,
      maxLength: number,
      target: Uint8Array,
      offset: number,
    ): number | binding.StreamChunk
    /** Queues `data` (and FIN) on the stream; returns how many bytes quiche took. */
    streamSend(handle: number, streamId: number, data: Uint8Array, fin: boolean): number
    /** Sends up to `maxPackets` of the connection's packets with sendmmsg on `fd`; `state` receives the send report. */
    flushToFd(handle: number, fd: number, maxPackets: number, state: Float64Array): number
  }
}

// ---------------------------------------------------------------------------------------------
// Config

/** Returns a TLS alert code (`CryptoError`, 0x100 + alert) to reject the chain, or undefined to accept it. */
export type TLSVerifyCallback = (
  certs: Array<Uint8Array>,
  ca: Array<Uint8Array>,
) => PromiseLike<number | undefined> | number | undefined

export type PEMInput = string | Uint8Array | Array<string | Uint8Array>

export interface QUICConfig {
  /** CA certificates (PEM) that verify the peer. Clients with none use the system store. */
  ca?: PEMInput
  /** Private keys (PEM), one per certificate chain. */
  key?: PEMInput
  /** Certificate chains (PEM, leaf first). A server picks one by SNI and key type. */
  cert?: PEMInput
  sigalgs?: string
  /** Verify the peer's certificate (default: clients yes, servers no; a server with it on wants client certificates). */
  verifyPeer: boolean
  /** Judge the peer's chain yourself, after the handshake and before the connection is handed out. */
  verifyCallback?: TLSVerifyCallback
  /** Append TLS secrets to this file (NSS key log format). */
  logKeys?: string
  grease: boolean
  /** Send a PING this often (ms) to keep NAT bindings and the idle timer alive. Off by default. */
  keepAliveIntervalTime?: number
  /** Write each connection's qlog (JSON-SEQ, readable while it runs) into this directory as `<id>-<client|server>.sqlog`. An addition. */
  qlogDir?: string
  /** ms; default 30 000. 0 disables it (not recommended). */
  maxIdleTimeout: number
  maxRecvUdpPayloadSize: number
  maxSendUdpPayloadSize: number
  initialMaxData: number
  initialMaxStreamDataBidiLocal: number
  initialMaxStreamDataBidiRemote: number
  initialMaxStreamDataUni: number
  initialMaxStreamsBidi: number
  initialMaxStreamsUni: number
  maxConnectionWindow: number
  maxStreamWindow: number
  /** [enabled, receive queue length, send queue length] */
  enableDgram: [boolean, number, number]
  disableActiveMigration: boolean
  applicationProtos: string[]
  enableEarlyData: boolean
  /** The most bytes a stream reader is handed in one chunk. */
  readableChunkSize: number
  /**
   * 2.x's stream timing (default false): a stream reads what arrives at once, for its reader to
   * take later, and each write of a `writable` resolves once its bytes were sent, so separate
   * writes tend to arrive as separate chunks, as with 2.x. The reader then no longer slows the
   * peer (nothing stays in the flow-control window), and each write costs a packet.
   */
  eagerStreams?: boolean
  // Additions over 2.x (native names):
  caSystem?: boolean
  ackDelayExponent?: number
  maxAckDelay?: number
  activeConnectionIdLimit?: number
  ccAlgorithm?: 'reno' | 'cubic' | 'bbr2' | string
  initialCongestionWindowPackets?: number
  enableHystart?: boolean
  enablePacing?: boolean
  maxPacingRate?: number
  discoverPmtu?: boolean
  ticketKey?: Uint8Array
  maxAmplificationFactor?: number
  initialRtt?: number
  disableDcidReuse?: boolean
  statelessResetKey?: Uint8Array
}

export type QUICClientConfigInput = Partial<QUICConfig>
export type QUICServerConfigInput = Partial<QUICConfig> & { key: PEMInput; cert: PEMInput }

export type StreamReasonToCode = (type: 'read' | 'write', reason?: any) => number
export type StreamCodeToReason = (type: 'read' | 'write', code: number) => any
export type ResolveHostname = (hostname: string) => string | PromiseLike<string>

// 2.x's helper and branded types (its `types.ts`), for code written against 2.x.
declare const brand: unique symbol
/** `T` marked as a `K`: a plain `T` needs a cast (`'::1' as Host`). */
export type Opaque<K, T> = T & { readonly [brand]: K }
export type Class<T> = new (...args: any[]) => T
/** A Node-style callback: an error alone, or no error and the results. */
export type Callback<P extends Array<any> = [], R = any, E extends Error = Error> = {
  (e: E, ...params: Partial<P>): R
  (e?: null | undefined, ...params: P): R
}
export type PromiseDeconstructed<T> = {
  p: Promise<T>
  resolveP: (value: T | PromiseLike<T>) => void
  rejectP: (reason?: any) => void
}
/** An IP address (IPv4, IPv6 or IPv4-mapped IPv6). */
export type Host = Opaque<'Host', string>
export type Hostname = Opaque<'Hostname', string>
export type Port = Opaque<'Port', number>
/** `host:port`, with an IPv6 host in brackets. */
export type Address = Opaque<'Address', string>
export type RemoteInfo = { host: Host; port: Port }
/** 2.x's client crypto: accepted and unused (quiche draws its own random bytes). */
export type ClientCryptoOps = { randomBytes(data: ArrayBuffer): Promise<void> }
/** 2.x's server crypto: accepted and unused (Retry tokens are signed natively with `key`). */
export type ServerCryptoOps = {
  sign(key: ArrayBuffer, data: ArrayBuffer): Promise<ArrayBuffer>
  verify(key: ArrayBuffer, data: ArrayBuffer, sig: ArrayBuffer): Promise<boolean>
}
export type QUICClientCrypto = { ops: ClientCryptoOps }
export type QUICServerCrypto = { key: ArrayBuffer; ops: ServerCryptoOps }
export type ConnectionId = Opaque<'ConnectionId', Buffer>
/** A connection id as lowercase hex. */
export type ConnectionIdString = Opaque<'ConnectionIdString', string>
export type StreamId = Opaque<'StreamId', number>
export type QUICStreamMap = Map<StreamId, QUICStream>

/** What the `logger` options take: `@matrixai/logger`'s Logger, or anything shaped like it. */
export interface QUICLogger {
  debug(msg: string): void
  info(msg: string): void
  warn(msg: string): void
  error(msg: string): void
  getChild?(name: string): QUICLogger
}

export interface ConnectionMetadata {
  localHost: string
  localPort: number
  remoteHost: string
  remotePort: number
  localCertsChain: Array<Uint8Array>
  localCACertsChain: Array<Uint8Array>
  remoteCertsChain: Array<Uint8Array>
}

export namespace config {
  const clientDefault: Readonly<QUICConfig>
  const serverDefault: Readonly<QUICConfig>
  function mergeConfig(defaults: QUICConfig, input?: Partial<QUICConfig>): QUICConfig
  function toNativeOptions(config: QUICConfig): binding.ConfigOptions
  /** 2.x's: the native config for a whole QUICConfig; throws ErrorQUICConfig. */
  function buildQuicheConfig(config: QUICConfig): binding.Config
}

// ---------------------------------------------------------------------------------------------
// Classes

/** A listener for events of type `E`: a function or an object with `handleEvent`. */
export type QUICEventListener<E> = ((event: E) => void) | { handleEvent(event: E): void }

/** `addEventListener`'s options (declared here so that no DOM lib is needed). */
export interface QUICEventListenerOptions {
  capture?: boolean
  once?: boolean
  passive?: boolean
  signal?: AbortSignal
}

/**
 * The EventTarget the classes extend, typed by their events: a listener added for one of
 * `Events`' names, literally or as 2.x wrote it (`events.EventQUICServerConnection.name`), gets
 * that event's class, `detail` typed, without a cast.
 */
declare class QUICEventTarget<Events> extends EventTarget {
  addEventListener<K extends keyof Events & string>(
    type: K,
    listener: QUICEventListener<Events[K]> | null,
    options?: boolean | QUICEventListenerOptions,
  ): void
  addEventListener(
    type: string,
    listener: QUICEventListener<Event> | null,
    options?: boolean | QUICEventListenerOptions,
  ): void
  removeEventListener<K extends keyof Events & string>(
    type: K,
    listener: QUICEventListener<Events[K]> | null,
    options?: boolean | { capture?: boolean },
  ): void
  removeEventListener(
    type: string,
    listener: QUICEventListener<Event> | null,
    options?: boolean | { capture?: boolean },
  ): void
}

/** The events of each class, by `type`. */
export interface QUICSocketEvents {
  EventQUICSocketStart: events.EventQUICSocketStart
  EventQUICSocketStarted: events.EventQUICSocketStarted
  EventQUICSocketStop: events.EventQUICSocketStop
  EventQUICSocketStopped: events.EventQUICSocketStopped
  EventQUICSocketError: events.EventQUICSocketError
  EventQUICSocketClose: events.EventQUICSocketClose
}
export interface QUICServerEvents {
  EventQUICServerConnection: events.EventQUICServerConnection
  EventQUICServerStart: events.EventQUICServerStart
  EventQUICServerStarted: events.EventQUICServerStarted
  EventQUICServerStop: events.EventQUICServerStop
  EventQUICServerStopped: events.EventQUICServerStopped
  EventQUICServerError: events.EventQUICServerError
  EventQUICServerClose: events.EventQUICServerClose
}
export interface QUICClientEvents {
  EventQUICClientDestroy: events.EventQUICClientDestroy
  EventQUICClientDestroyed: events.EventQUICClientDestroyed
  EventQUICClientError: events.EventQUICClientError
  EventQUICClientErrorSend: events.EventQUICClientErrorSend
  EventQUICClientClose: events.EventQUICClientClose
}
export interface QUICConnectionEvents {
  EventQUICConnectionStart: events.EventQUICConnectionStart
  EventQUICConnectionStarted: events.EventQUICConnectionStarted
  EventQUICConnectionStop: events.EventQUICConnectionStop
  EventQUICConnectionStopped: events.EventQUICConnectionStopped
  EventQUICConnectionError: events.EventQUICConnectionError
  EventQUICConnectionClose: events.EventQUICConnectionClose
  EventQUICConnectionStream: events.EventQUICConnectionStream
  EventQUICConnectionSend: events.EventQUICConnectionSend
  EventQUICConnectionDatagram: events.EventQUICConnectionDatagram
  EventQUICConnectionPeerMigrated: events.EventQUICConnectionPeerMigrated
}
export interface QUICStreamEvents {
  EventQUICStreamDestroy: events.EventQUICStreamDestroy
  EventQUICStreamDestroyed: events.EventQUICStreamDestroyed
  EventQUICStreamError: events.EventQUICStreamError
  EventQUICStreamCloseRead: events.EventQUICStreamCloseRead
  EventQUICStreamCloseWrite: events.EventQUICStreamCloseWrite
  EventQUICStreamSend: events.EventQUICStreamSend
}

export class QUICSocket extends QUICEventTarget<QUICSocketEvents> {
  constructor(opts?: {
    resolveHostname?: ResolveHostname
    /** Use this dgram socket (bound or not) instead of creating one. */
    socket?: dgram.Socket
    /** UDP buffer sizes in bytes (default 4 MiB each; the kernel may cap them). */
    recvBufferSize?: number
    sendBufferSize?: number
    /** Send bursts with one native `sendmmsg` on the socket's fd (Linux; default true). */
    batchedSend?: boolean
    /**
     * Read datagrams natively with `recvmmsg` and route them to their connections in Rust, one
     * JS call per batch (Linux; default true; sockets handed in with `socket` keep `dgram`).
     */
    batchedRecv?: boolean
    /** A `@matrixai/logger`-compatible logger (`debug`/`info`/`warn`/`error`, `getChild`); silent when absent. */
    logger?: QUICLogger
  })
  static readonly CID_LENGTH: number
  readonly host: string
  readonly port: number
  readonly type: 'ipv4' | 'ipv6' | 'ipv4&ipv6'
  readonly closed: boolean
  readonly running: boolean
  readonly closedP: Promise<void>
  /** The connections it carries, by their first id, as 2.x has it. */
  readonly connectionMap: QUICConnectionMap
  /** Closed connections still draining (absorbing late packets for 3 PTOs) before their routes go. */
  readonly draining: Set<unknown>
  /** The socket's fd when bursts go out through one native `sendmmsg`; -1 when every packet goes through `dgram.send`. */
  readonly fd: number
  /** The native receiver reading this socket, or null when `dgram` reads it. */
  readonly receiver: {
    readonly received: number
    readonly segments: number
    readonly truncated: number
    readonly routes: number
  } | null
  start(opts?: { host?: string; port?: number; reuseAddr?: boolean; ipv6Only?: boolean }): Promise<void>
  /** Throws ErrorQUICSocketConnectionsActive while connections or a server use it, unless `force`. */
  stop(opts?: { force?: boolean }): Promise<void>
  /**
   * Hole punching: sends a small non-QUIC datagram to `host:port` every `intervalTime` ms (50)
   * until a datagram from that address arrives (both NATs then map the pair: connect either
   * way). Rejects with ErrorQUICSocketPunchTimeout after `timeout` ms (5 000); `signal` aborts.
   */
  punch(
    host: string,
    port: number,
    opts?: { intervalTime?: number; timeout?: number; signal?: AbortSignal },
  ): Promise<void>
  /**
   * Moves the socket to a new local address (`host`: the current one unless given; `port`: any
   * free one unless given), and every client connection on it with it: connection migration
   * (RFC 9000 §9). Resolves once each connection's new path is validated; rejects with
   * ErrorQUICConnectionMigrate (nothing moved) for a socket serving a QUICServer, one handed in
   * as `socket`, or a connection whose peer disabled migration or gave no spare connection id,
   * and (moved) for a path not validated within `timeout` ms (10 000).
   */
  rebind(opts?: { host?: string; port?: number; timeout?: number }): Promise<void>
  /** Sends a raw UDP datagram (hole punching). */
  send(msg: string | Uint8Array, port: number, host: string): Promise<number>
  send(msg: Uint8Array, offset: number, length: number, port: number, host: string): Promise<number>
}

export class QUICServer extends QUICEventTarget<QUICServerEvents> {
  constructor(opts: {
    config: QUICServerConfigInput
    socket?: QUICSocket
    /** `key` is the secret of the Retry tokens (HMAC-SHA256, computed natively); `ops` are accepted and unused. */
    crypto?: { key?: ArrayBuffer | Uint8Array; ops?: unknown }
    resolveHostname?: ResolveHostname
    reasonToCode?: StreamReasonToCode
    codeToReason?: StreamCodeToReason
    /** Stateless retry: always (`true`), never (`false`), or past `retryThreshold` handshakes in progress (`'auto'`, default). */
    retry?: boolean | 'auto'
    retryThreshold?: number
    /** How long a Retry token stays valid (ms, default 10 000). */
    tokenLifetime?: number
    /** Past this many connections new ones are refused with CONNECTION_REFUSED. */
    maxConnections?: number
    /** A `@matrixai/logger`-compatible logger (`debug`/`info`/`warn`/`error`, `getChild`); silent when absent. */
    logger?: QUICLogger
    minIdleTimeout?: number
  })
  readonly isSocketShared: boolean
  /** The socket it serves on (owned, or the shared one it was given). */
  readonly socket: QUICSocket
  readonly host: string
  readonly port: number
  readonly closed: boolean
  readonly closedP: Promise<void>
  /** Connections being set up or running. */
  readonly connections: Set<QUICConnection>
  start(opts?: { host?: string; port?: number; reuseAddr?: boolean; ipv6Only?: boolean }): Promise<void>
  stop(opts?: { isApp?: boolean; errorCode?: number; reason?: Uint8Array; force?: boolean }): Promise<void>
  updateConfig(config: Partial<QUICServerConfigInput>): void
  /** 2.x's: a new Retry token key (`ops` accepted and unused); older tokens are refused. */
  updateCrypto(crypto: { key?: ArrayBuffer | Uint8Array; ops?: unknown }): void
}

export interface QUICClientOptions {
  host: string
  port: number
  serverName?: string
  localHost?: string
  localPort?: number
  socket?: QUICSocket
  config?: QUICClientConfigInput
  crypto?: { ops?: unknown }
  resolveHostname?: ResolveHostname
  reuseAddr?: boolean
  ipv6Only?: boolean
  reasonToCode?: StreamReasonToCode
  codeToReason?: StreamCodeToReason
  /** A session ticket from an earlier connection's `connection.native.session()`: resumption. */
  session?: Uint8Array
  /**
   * With `session`: resolve as soon as 0-RTT data can be sent, before the handshake completes.
   * 0-RTT data can be replayed by an attacker: only send what is safe to receive twice.
   */
  earlyData?: boolean
  /** A `@matrixai/logger`-compatible logger (`debug`/`info`/`warn`/`error`, `getChild`); silent when absent. */
  logger?: QUICLogger
}

export class QUICClient extends QUICEventTarget<QUICClientEvents> {
  /**
   * Connects and resolves once the connection is established and verified. `ctx.timer` (ms, default
   * 15 000) bounds the handshake: ErrorQUICClientCreateTimeout. `ctx.signal` aborts it.
   */
  static createQUICClient(
    opts: QUICClientOptions,
    ctx?: { signal?: AbortSignal; timer?: number | { delay: number } },
  ): Promise<QUICClient> & { cancel(reason?: unknown): void }
  readonly isSocketShared: boolean
  readonly socket: QUICSocket
  readonly connection: QUICConnection
  readonly closedP: Promise<void>
  readonly host: string
  readonly port: number
  readonly localHost: string
  readonly localPort: number
  readonly closed: boolean
  destroy(opts?: { isApp?: boolean; errorCode?: number; reason?: Uint8Array; force?: boolean }): Promise<void>
}

/**
 * 2.x's `socket.connectionMap`: the connections a socket carries, by their first id (looked up by
 * value), with the server's and the clients' apart (keyed by the id's hex).
 */
export class QUICConnectionMap extends Map<QUICConnectionId, QUICConnection> {
  constructor(connections?: Iterable<readonly [QUICConnectionId, QUICConnection]>)
  readonly serverConnections: ReadonlyMap<string, QUICConnection>
  readonly clientConnections: ReadonlyMap<string, QUICConnection>
}

/** A connection id: its bytes, written as lowercase hex wherever a string is wanted (as in 2.x). */
export class QUICConnectionId extends Uint8Array {
  readonly string: string
  /** Decodes from hex. */
  static fromString(idString: string): QUICConnectionId
  /** A view of the same bytes, no copy. */
  static fromBuffer(idBuffer: Uint8Array): QUICConnectionId
  constructor()
  constructor(length: number)
  constructor(array: ArrayLike<number> | ArrayBufferLike)
  constructor(buffer: ArrayBufferLike, byteOffset?: number, length?: number)
  /** The id in lowercase hex. */
  toString(): string
  /** A Buffer over the same bytes, no copy. */
  toBuffer(): Buffer
  [Symbol.toPrimitive](hint: 'string' | 'number' | 'default'): string
}

export class QUICConnection extends QUICEventTarget<QUICConnectionEvents> {
  readonly type: 'client' | 'server'
  readonly closedP: Promise<void>
  /** The id the peer addresses this side by now. */
  readonly connectionId: QUICConnectionId
  /** The same value on both sides of a connection (both ids, the smaller first). */
  readonly connectionIdShared: QUICConnectionId
  /** The id this side addresses the peer by now. */
  readonly connectionIdPeer: QUICConnectionId
  /** Updated when the peer's address changes (NAT rebinding). */
  readonly remoteHost: string
  readonly remotePort: number
  readonly localHost: string
  readonly localPort: number
  readonly closed: boolean
  /** The native connection, for stats and what the JS layer does not wrap. */
  readonly native: binding.Connection
  /** 2.x's name for `native` (its methods are 3.0's: `peerCertChain()`, `stats()`, …). */
  readonly conn: binding.Connection
  /** Open streams by id (a stream leaves once both directions are finished). */
  readonly streams: Map<number, QUICStream>
  /**
   * Client-side connection migration (RFC 9000 §9), an addition: moves to a new local address
   * (`host`: the current one unless given; `port`: any free one unless given) on a fresh
   * connection id; resolves once the new path is validated. The client's socket moves with it,
   * so no other connection may use it (`socket.rebind()` moves a shared one). Rejects with
   * ErrorQUICConnectionMigrate otherwise, for a server's connection, a peer that disabled
   * migration or has not yet issued a spare connection id, or a path not validated in time.
   */
  migrate(opts?: { host?: string; port?: number; timeout?: number }): Promise<void>
  /** A new stream at once; past the peer's MAX_STREAMS it waits for credit (its writes wait too). */
  newStream(type?: 'bidi' | 'uni'): QUICStream
  /** A new stream once it really exists; rejects with ErrorQUICStreamOpenAborted on abort or stop. */
  openStream(type?: 'bidi' | 'uni', opts?: { signal?: AbortSignal }): Promise<QUICStream>
  /** Sends a DATAGRAM (needs `enableDgram` on both sides); false when the queue is full. */
  sendDatagram(data: Uint8Array): boolean
  /** Graceful by default (waits for streams to finish); `force` closes now. */
  stop(opts?: { isApp?: boolean; errorCode?: number; reason?: Uint8Array; force?: boolean }): Promise<void>
  getConnectionError(): errors.ErrorQUICConnection | undefined
  getRemoteCertsChain(): Array<Uint8Array>
  getLocalCACertsChain(): Array<Uint8Array>
  /** This side's own certificates (`config.cert`), DER, leaf first. */
  getLocalCertsChain(): Array<Uint8Array>
  meta(): ConnectionMetadata
  destroyStreams(reason?: any): void
}

export class QUICStream extends QUICEventTarget<QUICStreamEvents> {
  readonly type: 'bidi' | 'uni'
  readonly initiated: 'local' | 'peer'
  /** Undefined while a local stream waits for the peer's stream credit. */
  readonly streamId: number | undefined
  readonly readable: ReadableStream<Uint8Array>
  readonly writable: WritableStream<Uint8Array>
  readonly closedP: Promise<void>
  /** Resolves once the stream exists on the connection. */
  readonly openedP: Promise<void>
  readonly readClosed: boolean
  readonly writeClosed: boolean
  /**
   * The read half's state: `recv` while bytes may come, then `data-read` (the FIN was read),
   * `stop-sent` (cancelled here: STOP_SENDING), `reset-recvd` (the peer reset it), `failed` (the
   * connection ended or the stream was destroyed); `none` on a local unidirectional stream.
   */
  readonly readState: 'recv' | 'data-read' | 'stop-sent' | 'reset-recvd' | 'failed' | 'none'
  /**
   * The write half's state: `send` while bytes may be written, then `data-sent` (the FIN was
   * handed over), `reset-sent` (aborted here: RESET_STREAM), `stop-recvd` (the peer stopped it),
   * `failed` (the connection ended, the stream was destroyed or a write failed); `none` on a
   * peer's unidirectional stream.
   */
  readonly writeState: 'send' | 'data-sent' | 'reset-sent' | 'stop-recvd' | 'failed' | 'none'
  readonly closed: boolean
  readonly destroyed: boolean
  readonly meta: ConnectionMetadata
  /** The connection's logger's child for this stream. */
  readonly logger: QUICLogger
  destroy(opts?: { force?: boolean; reason?: any }): Promise<void>
  cancel(reason?: any): void
  /**
   * The next chunk of incoming bytes, or `null` once the peer finished the stream; the direct
   * alternative to `readable` (no Web Stream is built). Rejects like the readable would, and with
   * `ErrorQUICStreamLocked` while another `read()` is pending or once `readable` was taken.
   */
  read(): Promise<Uint8Array | null>
  /**
   * Queues `chunk`; resolves once the stream has taken all of it (flow control is the
   * backpressure). Writes may be issued without waiting and go out in order. Rejects like the
   * writable would, and with `ErrorQUICStreamLocked` once `writable` was taken.
   */
  write(chunk: Uint8Array): Promise<void>
  /** Finishes the write side after `chunk` (if any) and every queued write; idempotent. */
  end(chunk?: Uint8Array): Promise<void>
  /** The chunks `read()` gives; leaving the loop early cancels the read side (STOP_SENDING). */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined>
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Every `code` an error of the native core can carry. Match on `code`, never on `message`. */
export type NativeErrorCode =
  | 'ERR_QUIC_BUFFER_TOO_SHORT'
  | 'ERR_QUIC_UNKNOWN_VERSION'
  | 'ERR_QUIC_INVALID_FRAME'
  | 'ERR_QUIC_INVALID_PACKET'
  | 'ERR_QUIC_INVALID_STATE'
  | 'ERR_QUIC_INVALID_STREAM_STATE'
  | 'ERR_QUIC_INVALID_TRANSPORT_PARAM'
  | 'ERR_QUIC_CRYPTO_FAIL'
  | 'ERR_QUIC_TLS_FAIL'
  | 'ERR_QUIC_FLOW_CONTROL'
  | 'ERR_QUIC_STREAM_LIMIT'
  | 'ERR_QUIC_STREAM_STOPPED'
  | 'ERR_QUIC_STREAM_RESET'
  | 'ERR_QUIC_FINAL_SIZE'
  | 'ERR_QUIC_CONGESTION_CONTROL'
  | 'ERR_QUIC_ID_LIMIT'
  | 'ERR_QUIC_OUT_OF_IDENTIFIERS'
  | 'ERR_QUIC_KEY_UPDATE'
  | 'ERR_QUIC_CRYPTO_BUFFER_EXCEEDED'
  | 'ERR_QUIC_INVALID_ACK_RANGE'
  | 'ERR_QUIC_OPTIMISTIC_ACK'
  | 'ERR_QUIC_INVALID_DCID'
  | 'ERR_QUIC_INVALID_CONFIG'
  | 'ERR_QUIC_INVALID_PEM'
  | 'ERR_QUIC_INVALID_ARGUMENT'
  | 'ERR_QUIC_IO'
  | 'ERR_QUIC_INTERNAL'

/** The shape of an error thrown by the native core. */
export interface NativeError extends Error {
  code: NativeErrorCode
  /** The QUIC wire code: a transport error code, or the peer's application code for STOP_SENDING / RESET_STREAM. */
  wireCode?: number
  streamId?: number
  /** The option or argument at fault. */
  field?: string
}

export namespace errors {
  class ErrorQUIC extends Error {
    constructor(message?: string, options?: { cause?: unknown; data?: Record<string, unknown> })
    static readonly code: string
    static readonly description: string
    code: string
    /** Facts about the error: `errorCode`, `reason`, `isApp` for connection errors; `code`, `reason` for stream errors. */
    data: Record<string, unknown>
  }
  class ErrorQUICUndefinedBehaviour extends ErrorQUIC {}
  class ErrorQUICHostInvalid extends ErrorQUIC {}
  class ErrorQUICPortInvalid extends ErrorQUIC {}
  class ErrorQUICConfig extends ErrorQUIC {
    constructor(message: string, field: string, options?: { cause?: unknown })
    field: string
  }
  class ErrorQUICSocket extends ErrorQUIC {}
  class ErrorQUICSocketNotRunning extends ErrorQUICSocket {}
  class ErrorQUICSocketConnectionsActive extends ErrorQUICSocket {}
  class ErrorQUICSocketInvalidBindAddress extends ErrorQUICSocket {}
  class ErrorQUICSocketInvalidSendAddress extends ErrorQUICSocket {}
  class ErrorQUICSocketPunchTimeout extends ErrorQUICSocket {}
  class ErrorQUICSocketInternal extends ErrorQUICSocket {}
  class ErrorQUICClient extends ErrorQUIC {}
  class ErrorQUICClientDestroyed extends ErrorQUICClient {}
  class ErrorQUICClientCreateTimeout extends ErrorQUICClient {}
  class ErrorQUICClientSocketNotRunning extends ErrorQUICClient {}
  class ErrorQUICClientInvalidArgument extends ErrorQUICClient {}
  class ErrorQUICClientInvalidHost extends ErrorQUICClient {}
  class ErrorQUICClientInternal extends ErrorQUICClient {}
  class ErrorQUICServer extends ErrorQUIC {}
  class ErrorQUICServerNotRunning extends ErrorQUICServer {}
  class ErrorQUICServerSocketNotRunning extends ErrorQUICServer {}
  class ErrorQUICServerNewConnection extends ErrorQUICServer {}
  class ErrorQUICServerInternal extends ErrorQUICServer {}
  class ErrorQUICServerStopping extends ErrorQUICServer {}
  class ErrorQUICConnection extends ErrorQUIC {}
  class ErrorQUICConnectionStopping extends ErrorQUICConnection {}
  class ErrorQUICConnectionNotRunning extends ErrorQUICConnection {}
  class ErrorQUICConnectionClosed extends ErrorQUICConnection {}
  class ErrorQUICConnectionStartData extends ErrorQUICConnection {}
  class ErrorQUICConnectionStartTimeout extends ErrorQUICConnection {}
  class ErrorQUICConnectionConfigInvalid extends ErrorQUICConnection {}
  /** A migration that cannot happen (server, shared socket, peer disabled it or gave no spare id) or whose path failed. */
  class ErrorQUICConnectionMigrate extends ErrorQUICConnection {}
  class ErrorQUICConnectionLocal extends ErrorQUICConnection {}
  class ErrorQUICConnectionLocalTLS extends ErrorQUICConnectionLocal {}
  class ErrorQUICConnectionPeer extends ErrorQUICConnection {}
  class ErrorQUICConnectionPeerTLS extends ErrorQUICConnectionPeer {}
  class ErrorQUICConnectionIdleTimeout extends ErrorQUICConnection {}
  class ErrorQUICConnectionInternal extends ErrorQUICConnection {}
  class ErrorQUICStream extends ErrorQUIC {}
  class ErrorQUICStreamDestroyed extends ErrorQUICStream {}
  class ErrorQUICStreamLocalRead extends ErrorQUICStream {}
  class ErrorQUICStreamLocalWrite extends ErrorQUICStream {}
  class ErrorQUICStreamPeerRead extends ErrorQUICStream {}
  class ErrorQUICStreamPeerWrite extends ErrorQUICStream {}
  class ErrorQUICStreamInternal extends ErrorQUICStream {}
  class ErrorQUICStreamLimit extends ErrorQUICStream {}
  class ErrorQUICStreamOpenAborted extends ErrorQUICStream {}
  /** A side of the stream is in use by its Web Stream or a pending direct call. */
  class ErrorQUICStreamLocked extends ErrorQUICStream {}
}

// ---------------------------------------------------------------------------------------------
// Events: `type` is the class name; `detail` the payload.

export namespace events {
  class EventQUIC<T = any> extends Event {
    constructor(options?: { detail?: T; bubbles?: boolean; cancelable?: boolean; composed?: boolean })
    detail: T
  }
  class EventQUICSocket<T = any> extends EventQUIC<T> {}
  class EventQUICSocketStart extends EventQUICSocket {
    static readonly name: 'EventQUICSocketStart'
  }
  class EventQUICSocketStarted extends EventQUICSocket {
    static readonly name: 'EventQUICSocketStarted'
  }
  class EventQUICSocketStop extends EventQUICSocket {
    static readonly name: 'EventQUICSocketStop'
  }
  class EventQUICSocketStopped extends EventQUICSocket {
    static readonly name: 'EventQUICSocketStopped'
  }
  class EventQUICSocketError extends EventQUICSocket<errors.ErrorQUICSocketInternal> {
    static readonly name: 'EventQUICSocketError'
  }
  class EventQUICSocketClose extends EventQUICSocket {
    static readonly name: 'EventQUICSocketClose'
  }
  class EventQUICClient<T = any> extends EventQUIC<T> {}
  class EventQUICClientDestroy extends EventQUICClient {
    static readonly name: 'EventQUICClientDestroy'
  }
  class EventQUICClientDestroyed extends EventQUICClient {
    static readonly name: 'EventQUICClientDestroyed'
  }
  class EventQUICClientError extends EventQUICClient<errors.ErrorQUICConnection> {
    static readonly name: 'EventQUICClientError'
  }
  class EventQUICClientErrorSend extends EventQUICClient<Error> {
    static readonly name: 'EventQUICClientErrorSend'
  }
  class EventQUICClientClose extends EventQUICClient<errors.ErrorQUICConnection | undefined> {
    static readonly name: 'EventQUICClientClose'
  }
  class EventQUICServer<T = any> extends EventQUIC<T> {}
  class EventQUICServerConnection extends EventQUICServer<QUICConnection> {
    static readonly name: 'EventQUICServerConnection'
  }
  class EventQUICServerStart extends EventQUICServer {
    static readonly name: 'EventQUICServerStart'
  }
  class EventQUICServerStarted extends EventQUICServer {
    static readonly name: 'EventQUICServerStarted'
  }
  class EventQUICServerStop extends EventQUICServer {
    static readonly name: 'EventQUICServerStop'
  }
  class EventQUICServerStopped extends EventQUICServer {
    static readonly name: 'EventQUICServerStopped'
  }
  class EventQUICServerError extends EventQUICServer<errors.ErrorQUICServer> {
    static readonly name: 'EventQUICServerError'
  }
  class EventQUICServerClose extends EventQUICServer {
    static readonly name: 'EventQUICServerClose'
  }
  class EventQUICConnection<T = any> extends EventQUIC<T> {}
  class EventQUICConnectionStart extends EventQUICConnection {
    static readonly name: 'EventQUICConnectionStart'
  }
  class EventQUICConnectionStarted extends EventQUICConnection {
    static readonly name: 'EventQUICConnectionStarted'
  }
  class EventQUICConnectionStop extends EventQUICConnection {
    static readonly name: 'EventQUICConnectionStop'
  }
  class EventQUICConnectionStopped extends EventQUICConnection {
    static readonly name: 'EventQUICConnectionStopped'
  }
  class EventQUICConnectionError extends EventQUICConnection<errors.ErrorQUICConnection> {
    static readonly name: 'EventQUICConnectionError'
  }
  class EventQUICConnectionClose extends EventQUICConnection<errors.ErrorQUICConnection | undefined> {
    static readonly name: 'EventQUICConnectionClose'
  }
  class EventQUICConnectionStream extends EventQUICConnection<QUICStream> {
    static readonly name: 'EventQUICConnectionStream'
  }
  /** A send failed at the socket (detail: the error); reported once per connection. */
  class EventQUICConnectionSend extends EventQUICConnection<Error> {
    static readonly name: 'EventQUICConnectionSend'
  }
  class EventQUICConnectionDatagram extends EventQUICConnection<Array<Buffer>> {
    static readonly name: 'EventQUICConnectionDatagram'
  }
  class EventQUICConnectionPeerMigrated extends EventQUICConnection<{ host: string; port: number }> {
    static readonly name: 'EventQUICConnectionPeerMigrated'
  }
  class EventQUICStream<T = any> extends EventQUIC<T> {}
  class EventQUICStreamDestroy extends EventQUICStream {
    static readonly name: 'EventQUICStreamDestroy'
  }
  class EventQUICStreamDestroyed extends EventQUICStream {
    static readonly name: 'EventQUICStreamDestroyed'
  }
  class EventQUICStreamError extends EventQUICStream<errors.ErrorQUICStream> {
    static readonly name: 'EventQUICStreamError'
  }
  class EventQUICStreamCloseRead extends EventQUICStream {
    static readonly name: 'EventQUICStreamCloseRead'
  }
  class EventQUICStreamCloseWrite extends EventQUICStream {
    static readonly name: 'EventQUICStreamCloseWrite'
  }
  class EventQUICStreamSend extends EventQUICStream {
    static readonly name: 'EventQUICStreamSend'
  }
}

/** 2.x's helpers, and 3.0's own (last). */
export namespace utils {
  const textEncoder: TextEncoder
  const textDecoder: TextDecoder
  /** Throws ErrorQUICUndefinedBehaviour. */
  function never(message: string): never
  function yieldMicro(): Promise<void>
  /** A Node-style callback function as one returning a promise (one result, or an array of them). */
  function promisify(f: (...args: any[]) => unknown): (...params: any[]) => Promise<any>
  function promise<T = void>(): PromiseDeconstructed<T>
  /** A Buffer over the same memory, no copy. */
  function bufferWrap(array: ArrayBuffer | ArrayBufferView, offset?: number, length?: number): Buffer
  function isIPv4(host: string): host is Host
  /** IPv4-mapped IPv6 addresses included. */
  function isIPv6(host: string): host is Host
  /** `::ffff:127.0.0.1` or `::ffff:7f00:1`. */
  function isIPv4MappedIPv6(host: string): host is Host
  function isIPv4MappedIPv6Hex(host: string): host is Host
  function isIPv4MappedIPv6Dec(host: string): host is Host
  /** Throws TypeError for a non-IPv4 address. */
  function toIPv4MappedIPv6Dec(host: string): Host
  /** Throws TypeError for a non-IPv4 address. */
  function toIPv4MappedIPv6Hex(host: string): Host
  /** The dotted IPv4 address in either spelling; throws TypeError for anything else. */
  function fromIPv4MappedIPv6(host: string): Host
  function isHostWildcard(host: string): boolean
  /** IPv4 in any spelling → dotted IPv4; IPv6 as it is; throws TypeError for a non-address. */
  function toCanonicalIP(host: string): Host
  /** A wildcard target → this host's loopback; other addresses as they are. */
  function resolvesZeroIP(host: string): Host
  /** The OS's resolver, first address. */
  function resolveHostname(hostname: string): Promise<Host>
  /** An IP address and its socket type; ErrorQUICHostInvalid if `host` does not resolve to one. */
  function resolveHost(host: string, resolveHostname?: ResolveHostname): Promise<[Host, 'udp4' | 'udp6']>
  function isPort(port: unknown): port is Port
  /** Throws ErrorQUICPortInvalid. */
  function toPort(port: unknown): Port
  /** `host:port`, an IPv6 host in brackets. */
  function buildAddress(host: string, port?: number): string
  /** The address a socket sends to for a target; throws `errorClass` if it cannot reach it. */
  function validateTarget(
    socketHost: string,
    socketType: 'ipv4' | 'ipv6' | 'ipv4&ipv6',
    targetHost: string,
    targetUdpType: 'udp4' | 'udp6',
    errorClass: Class<Error>,
  ): Host
  /** Each PEM as a string ending in one newline. */
  function collectPEMs(pems?: PEMInput): Array<string>
  function pemToDER(pem: string): Uint8Array
  function derToPEM(der: Uint8Array): string
  /** `Name: description - message`. */
  function formatError(error: Error): string
  function encodeConnectionId(connId: Uint8Array): ConnectionIdString
  function decodeConnectionId(connIdString: string): ConnectionId
  function isStreamClientInitiated(streamId: number): boolean
  function isStreamServerInitiated(streamId: number): boolean
  function isStreamBidirectional(streamId: number): boolean
  function isStreamUnidirectional(streamId: number): boolean
  /** The peer's STOP_SENDING code if `e` is the error it caused, else false. */
  function isStreamStopped(e: unknown): number | false
  /** The peer's RESET_STREAM code if `e` is the error it caused, else false. */
  function isStreamReset(e: unknown): number | false
  /** Raises the listener count past which Node warns (default 100 000). */
  function setMaxListeners(target: EventTarget | import('node:events').EventEmitter, limit?: number): void
  /** An IPv6 address in its canonical spelling, bracketed. */
  function canonicalIPv6(ip: string): string
  /** The IPv4 address an IPv4-mapped IPv6 address stands for, or null. */
  function fromIPv4Mapped(ip: string): string | null
  /** The address a socket of `type` bound to `socketHost` sends to for `ip`. */
  function toSocketFamily(
    ip: string,
    type: 'ipv4' | 'ipv6' | 'ipv4&ipv6',
    socketHost: string,
    invalid: new (message?: string) => Error,
  ): string
  /** An IP literal for `host`, resolving names. */
  function resolveHostIP(host: string, resolve?: ResolveHostname): Promise<string>
  /** The certificates in PEM input, DER. */
  function parseCertificates(pem: PEMInput | undefined): Array<Uint8Array>
  function encodeAddress(ip: string, port: number): Buffer
  const reasonToCode: StreamReasonToCode
  const codeToReason: StreamCodeToReason
}

/**
 * A native `Config` from a plain options object; each option's kind is checked first, so a
 * mistake throws `ErrorQUICConfig` (`ERR_QUIC_INVALID_CONFIG`) naming the option.
 */
export function createNativeConfig(options: binding.ConfigOptions): binding.Config
