// @ts-check
'use strict'
// Error classes, named as in @matrixai/quic 2.x. Every class has a stable `code`; match on `code`
// (or `instanceof`), never on `message`. Errors thrown by the native core are plain `Error`s with
// a `code` of the same family (ERR_QUIC_*) plus `wireCode`, `streamId` and `field` where they apply;
// the classes below wrap them as `cause`.

const kBrand = Symbol.for('@matrixai/quic.error')

class ErrorQUIC extends Error {
  static code = 'ERR_QUIC'
  static description = 'QUIC error'

  /**
   * @param {string} [message]
   * @param {{ cause?: unknown, data?: Record<string, unknown> }} [options]
   */
  constructor(message, options) {
    const ctor = /** @type {typeof ErrorQUIC} */ (new.target)
    super(message ?? ctor.description, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = ctor.name
    /** @type {string} */
    this.code = ctor.code
    /** Extra facts about the error (codes, addresses). @type {Record<string, unknown>} */
    this.data = options?.data ?? {}
  }

  /** Holds across two copies of this package. */
  static [Symbol.hasInstance](/** @type {any} */ obj) {
    if (obj == null || obj[kBrand] !== true) return false
    for (let p = Object.getPrototypeOf(obj); p != null; p = Object.getPrototypeOf(p)) {
      // `this` is the class on the right of `instanceof`, a subclass as often as not.
      // biome-ignore lint/complexity/noThisInStatic: the class asked about, not ErrorQUIC
      if (p.constructor?.name === this.name && p.constructor?.code === this.code) return true
    }
    return false
  }

  get [kBrand]() {
    return true
  }
}

/**
 * Declares a subclass with its code and default message.
 * @template {typeof ErrorQUIC} B
 * @param {B} Base
 * @param {string} name
 * @param {string} code
 * @param {string} description
 * @returns {B}
 */
function define(Base, name, code, description) {
  // A named class expression per error keeps `name`, stack traces and `instanceof` exact.
  const cls = { [name]: class extends /** @type {typeof ErrorQUIC} */ (Base) {} }[name]
  Object.defineProperty(cls, 'code', { value: code })
  Object.defineProperty(cls, 'description', { value: description })
  return /** @type {B} */ (/** @type {unknown} */ (cls))
}

const ErrorQUICUndefinedBehaviour = define(
  ErrorQUIC,
  'ErrorQUICUndefinedBehaviour',
  'ERR_QUIC_UNDEFINED_BEHAVIOUR',
  'You should never see this error',
)
const ErrorQUICHostInvalid = define(
  ErrorQUIC,
  'ErrorQUICHostInvalid',
  'ERR_QUIC_HOST_INVALID',
  'Host provided was not a valid IPv4 or IPv6 address',
)
const ErrorQUICPortInvalid = define(
  ErrorQUIC,
  'ErrorQUICPortInvalid',
  'ERR_QUIC_PORT_INVALID',
  'Port provided was not a valid non-negative integer below 65536',
)

class ErrorQUICConfig extends ErrorQUIC {
  static code = 'ERR_QUIC_INVALID_CONFIG'
  static description = 'QUIC config error'

  /**
   * @param {string} message
   * @param {string} field the option at fault
   * @param {{ cause?: unknown }} [options]
   */
  constructor(message, field, options) {
    super(message, { cause: options?.cause, data: { field } })
    /** @type {string} */
    this.field = field
  }
}

const ErrorQUICSocket = define(ErrorQUIC, 'ErrorQUICSocket', 'ERR_QUIC_SOCKET', 'QUIC socket error')
const ErrorQUICSocketNotRunning = define(
  ErrorQUICSocket,
  'ErrorQUICSocketNotRunning',
  'ERR_QUIC_SOCKET_NOT_RUNNING',
  'QUIC socket is not running',
)
const ErrorQUICSocketConnectionsActive = define(
  ErrorQUICSocket,
  'ErrorQUICSocketConnectionsActive',
  'ERR_QUIC_SOCKET_CONNECTIONS_ACTIVE',
  'QUIC socket cannot be stopped with active connections',
)
const ErrorQUICSocketInvalidBindAddress = define(
  ErrorQUICSocket,
  'ErrorQUICSocketInvalidBindAddress',
  'ERR_QUIC_SOCKET_INVALID_BIND_ADDRESS',
  'QUIC socket cannot bind to the address',
)
/** `QUICSocket.punch` heard nothing from the peer's address in time. */
const ErrorQUICSocketPunchTimeout = define(
  ErrorQUICSocket,
  'ErrorQUICSocketPunchTimeout',
  'ERR_QUIC_SOCKET_PUNCH_TIMEOUT',
  'QUIC socket heard nothing from the address it punched towards',
)
const ErrorQUICSocketInvalidSendAddress = define(
  ErrorQUICSocket,
  'ErrorQUICSocketInvalidSendAddress',
  'ERR_QUIC_SOCKET_INVALID_SEND_ADDRESS',
  'QUIC socket cannot send to the address',
)
const ErrorQUICSocketInternal = define(
  ErrorQUICSocket,
  'ErrorQUICSocketInternal',
  'ERR_QUIC_SOCKET_INTERNAL',
  'QUIC socket internal error',
)

const ErrorQUICClient = define(ErrorQUIC, 'ErrorQUICClient', 'ERR_QUIC_CLIENT', 'QUIC client error')
const ErrorQUICClientDestroyed = define(
  ErrorQUICClient,
  'ErrorQUICClientDestroyed',
  'ERR_QUIC_CLIENT_DESTROYED',
  'QUIC client is destroyed',
)
const ErrorQUICClientCreateTimeout = define(
  ErrorQUICClient,
  'ErrorQUICClientCreateTimeout',
  'ERR_QUIC_CLIENT_CREATE_TIMEOUT',
  'QUIC client creation timed out',
)
const ErrorQUICClientSocketNotRunning = define(
  ErrorQUICClient,
  'ErrorQUICClientSocketNotRunning',
  'ERR_QUIC_CLIENT_SOCKET_NOT_RUNNING',
  'QUIC client cannot be created with a socket that is not running',
)
const ErrorQUICClientInvalidArgument = define(
  ErrorQUICClient,
  'ErrorQUICClientInvalidArgument',
  'ERR_QUIC_CLIENT_INVALID_ARGUMENT',
  'QUIC client was given an invalid argument',
)
const ErrorQUICClientInvalidHost = define(
  ErrorQUICClient,
  'ErrorQUICClientInvalidHost',
  'ERR_QUIC_CLIENT_INVALID_HOST',
  'QUIC client cannot reach the host',
)
const ErrorQUICClientInternal = define(
  ErrorQUICClient,
  'ErrorQUICClientInternal',
  'ERR_QUIC_CLIENT_INTERNAL',
  'QUIC client internal error',
)

const ErrorQUICServer = define(ErrorQUIC, 'ErrorQUICServer', 'ERR_QUIC_SERVER', 'QUIC server error')
const ErrorQUICServerNotRunning = define(
  ErrorQUICServer,
  'ErrorQUICServerNotRunning',
  'ERR_QUIC_SERVER_NOT_RUNNING',
  'QUIC server is not running',
)
const ErrorQUICServerSocketNotRunning = define(
  ErrorQUICServer,
  'ErrorQUICServerSocketNotRunning',
  'ERR_QUIC_SERVER_SOCKET_NOT_RUNNING',
  'QUIC server socket is not running',
)
const ErrorQUICServerNewConnection = define(
  ErrorQUICServer,
  'ErrorQUICServerNewConnection',
  'ERR_QUIC_SERVER_NEW_CONNECTION',
  'QUIC server could not set up a new connection',
)
const ErrorQUICServerInternal = define(
  ErrorQUICServer,
  'ErrorQUICServerInternal',
  'ERR_QUIC_SERVER_INTERNAL',
  'QUIC server internal error',
)
const ErrorQUICServerStopping = define(
  ErrorQUICServer,
  'ErrorQUICServerStopping',
  'ERR_QUIC_SERVER_STOPPING',
  'QUIC server is stopping',
)

const ErrorQUICConnection = define(ErrorQUIC, 'ErrorQUICConnection', 'ERR_QUIC_CONNECTION', 'QUIC connection error')
const ErrorQUICConnectionStopping = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionStopping',
  'ERR_QUIC_CONNECTION_STOPPING',
  'QUIC connection is stopping',
)
const ErrorQUICConnectionNotRunning = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionNotRunning',
  'ERR_QUIC_CONNECTION_NOT_RUNNING',
  'QUIC connection is not running',
)
const ErrorQUICConnectionClosed = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionClosed',
  'ERR_QUIC_CONNECTION_CLOSED',
  'QUIC connection cannot be restarted because it has already been closed',
)
const ErrorQUICConnectionStartData = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionStartData',
  'ERR_QUIC_CONNECTION_START_DATA',
  'Starting a QUIC connection requires initial data',
)
const ErrorQUICConnectionStartTimeout = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionStartTimeout',
  'ERR_QUIC_CONNECTION_START_TIMEOUT',
  'QUIC connection start timed out',
)
/** Migration failed: the connection cannot move (a server's, one on a shared socket, no spare
 * connection id from the peer), or its new path was not validated in time. */
const ErrorQUICConnectionMigrate = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionMigrate',
  'ERR_QUIC_CONNECTION_MIGRATE',
  'QUIC connection migration failed',
)
const ErrorQUICConnectionConfigInvalid = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionConfigInvalid',
  'ERR_QUIC_CONNECTION_CONFIG_INVALID',
  'QUIC connection invalid configuration',
)
/** This side closed the connection with an error; `data.errorCode`, `data.reason`, `data.isApp`. */
const ErrorQUICConnectionLocal = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionLocal',
  'ERR_QUIC_CONNECTION_LOCAL',
  'QUIC connection local error',
)
const ErrorQUICConnectionLocalTLS = define(
  ErrorQUICConnectionLocal,
  'ErrorQUICConnectionLocalTLS',
  'ERR_QUIC_CONNECTION_LOCAL_TLS',
  'QUIC connection local TLS error',
)
/** The peer closed the connection with an error; `data.errorCode`, `data.reason`, `data.isApp`. */
const ErrorQUICConnectionPeer = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionPeer',
  'ERR_QUIC_CONNECTION_PEER',
  'QUIC connection peer error',
)
const ErrorQUICConnectionPeerTLS = define(
  ErrorQUICConnectionPeer,
  'ErrorQUICConnectionPeerTLS',
  'ERR_QUIC_CONNECTION_PEER_TLS',
  'QUIC connection peer TLS error',
)
const ErrorQUICConnectionIdleTimeout = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionIdleTimeout',
  'ERR_QUIC_CONNECTION_IDLE_TIMEOUT',
  'QUIC connection max idle timeout exhausted',
)
const ErrorQUICConnectionInternal = define(
  ErrorQUICConnection,
  'ErrorQUICConnectionInternal',
  'ERR_QUIC_CONNECTION_INTERNAL',
  'QUIC connection internal error',
)

const ErrorQUICStream = define(ErrorQUIC, 'ErrorQUICStream', 'ERR_QUIC_STREAM', 'QUIC stream error')
const ErrorQUICStreamDestroyed = define(
  ErrorQUICStream,
  'ErrorQUICStreamDestroyed',
  'ERR_QUIC_STREAM_DESTROYED',
  'QUIC stream is destroyed',
)
/** This side cancelled reading (STOP_SENDING sent); `data.code`. */
const ErrorQUICStreamLocalRead = define(
  ErrorQUICStream,
  'ErrorQUICStreamLocalRead',
  'ERR_QUIC_STREAM_LOCAL_READ',
  'QUIC stream locally closed readable side',
)
/** This side aborted writing (RESET_STREAM sent); `data.code`. */
const ErrorQUICStreamLocalWrite = define(
  ErrorQUICStream,
  'ErrorQUICStreamLocalWrite',
  'ERR_QUIC_STREAM_LOCAL_WRITE',
  'QUIC stream locally closed writable side',
)
/** The peer reset its writing side (RESET_STREAM received); `data.code`. */
const ErrorQUICStreamPeerRead = define(
  ErrorQUICStream,
  'ErrorQUICStreamPeerRead',
  'ERR_QUIC_STREAM_PEER_READ',
  'QUIC stream peer closed readable side',
)
/** The peer stopped reading (STOP_SENDING received); `data.code`. */
const ErrorQUICStreamPeerWrite = define(
  ErrorQUICStream,
  'ErrorQUICStreamPeerWrite',
  'ERR_QUIC_STREAM_PEER_WRITE',
  'QUIC stream peer closed writable side',
)
const ErrorQUICStreamInternal = define(
  ErrorQUICStream,
  'ErrorQUICStreamInternal',
  'ERR_QUIC_STREAM_INTERNAL',
  'QUIC stream internal error',
)
const ErrorQUICStreamLimit = define(
  ErrorQUICStream,
  'ErrorQUICStreamLimit',
  'ERR_QUIC_STREAM_LIMIT',
  'QUIC stream limit reached',
)
/** Waiting for stream credit was aborted (signal or connection stop). */
/** A side of the stream is in use: by its Web Stream, or by a pending `read()`, `write()` or `end()`. */
const ErrorQUICStreamLocked = define(
  ErrorQUICStream,
  'ErrorQUICStreamLocked',
  'ERR_QUIC_STREAM_LOCKED',
  'QUIC stream side is in use by another reader or writer',
)
const ErrorQUICStreamOpenAborted = define(
  ErrorQUICStream,
  'ErrorQUICStreamOpenAborted',
  'ERR_QUIC_STREAM_OPEN_ABORTED',
  'QUIC stream open was aborted before the peer allowed it',
)

module.exports = {
  ErrorQUIC,
  ErrorQUICUndefinedBehaviour,
  ErrorQUICHostInvalid,
  ErrorQUICPortInvalid,
  ErrorQUICConfig,
  ErrorQUICSocket,
  ErrorQUICSocketNotRunning,
  ErrorQUICSocketConnectionsActive,
  ErrorQUICSocketInvalidBindAddress,
  ErrorQUICSocketInvalidSendAddress,
  ErrorQUICSocketPunchTimeout,
  ErrorQUICSocketInternal,
  ErrorQUICClient,
  ErrorQUICClientDestroyed,
  ErrorQUICClientCreateTimeout,
  ErrorQUICClientSocketNotRunning,
  ErrorQUICClientInvalidArgument,
  ErrorQUICClientInvalidHost,
  ErrorQUICClientInternal,
  ErrorQUICServer,
  ErrorQUICServerNotRunning,
  ErrorQUICServerSocketNotRunning,
  ErrorQUICServerNewConnection,
  ErrorQUICServerInternal,
  ErrorQUICServerStopping,
  ErrorQUICConnection,
  ErrorQUICConnectionStopping,
  ErrorQUICConnectionNotRunning,
  ErrorQUICConnectionClosed,
  ErrorQUICConnectionStartData,
  ErrorQUICConnectionStartTimeout,
  ErrorQUICConnectionMigrate,
  ErrorQUICConnectionConfigInvalid,
  ErrorQUICConnectionLocal,
  ErrorQUICConnectionLocalTLS,
  ErrorQUICConnectionPeer,
  ErrorQUICConnectionPeerTLS,
  ErrorQUICConnectionIdleTimeout,
  ErrorQUICConnectionInternal,
  ErrorQUICStream,
  ErrorQUICStreamDestroyed,
  ErrorQUICStreamLocalRead,
  ErrorQUICStreamLocalWrite,
  ErrorQUICStreamPeerRead,
  ErrorQUICStreamPeerWrite,
  ErrorQUICStreamInternal,
  ErrorQUICStreamLimit,
  ErrorQUICStreamOpenAborted,
  ErrorQUICStreamLocked,
}
