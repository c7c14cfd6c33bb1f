// @ts-check
'use strict'
// Event classes, named as in @matrixai/quic 2.x. Each is a DOM `Event` whose `type` is its class
// name and whose `detail` carries the payload: `target.addEventListener(EventQUICServerConnection.name, …)`.
// Events are dispatched per state change (connection, stream, error, close), never per packet.

class EventQUIC extends Event {
  /** @param {{ detail?: any } & EventInit} [options] */
  constructor(options = {}) {
    super(new.target.name, options)
    /** @type {any} */
    this.detail = options.detail
  }
}

/**
 * @param {typeof EventQUIC} Base
 * @param {string} name
 */
function define(Base, name) {
  return { [name]: class extends Base {} }[name]
}

const EventQUICSocket = define(EventQUIC, 'EventQUICSocket')
const EventQUICClient = define(EventQUIC, 'EventQUICClient')
const EventQUICServer = define(EventQUIC, 'EventQUICServer')
const EventQUICConnection = define(EventQUIC, 'EventQUICConnection')
const EventQUICStream = define(EventQUIC, 'EventQUICStream')

// One assignment a name, so that ESM named imports (`import { EventQUICServerConnection } from
// '@matrixai/quic/events.js'`) find them.
exports.EventQUIC = EventQUIC
exports.EventQUICSocket = EventQUICSocket
exports.EventQUICSocketStart = define(EventQUICSocket, 'EventQUICSocketStart')
exports.EventQUICSocketStarted = define(EventQUICSocket, 'EventQUICSocketStarted')
exports.EventQUICSocketStop = define(EventQUICSocket, 'EventQUICSocketStop')
exports.EventQUICSocketStopped = define(EventQUICSocket, 'EventQUICSocketStopped')
/** A socket error (detail: ErrorQUICSocketInternal); the socket stays up unless it closed. */
exports.EventQUICSocketError = define(EventQUICSocket, 'EventQUICSocketError')
exports.EventQUICSocketClose = define(EventQUICSocket, 'EventQUICSocketClose')
exports.EventQUICClient = EventQUICClient
exports.EventQUICClientDestroy = define(EventQUICClient, 'EventQUICClientDestroy')
exports.EventQUICClientDestroyed = define(EventQUICClient, 'EventQUICClientDestroyed')
exports.EventQUICClientError = define(EventQUICClient, 'EventQUICClientError')
exports.EventQUICClientErrorSend = define(EventQUICClient, 'EventQUICClientErrorSend')
exports.EventQUICClientClose = define(EventQUICClient, 'EventQUICClientClose')
exports.EventQUICServer = EventQUICServer
/** A new connection, established and verified (detail: QUICConnection). */
exports.EventQUICServerConnection = define(EventQUICServer, 'EventQUICServerConnection')
exports.EventQUICServerStart = define(EventQUICServer, 'EventQUICServerStart')
exports.EventQUICServerStarted = define(EventQUICServer, 'EventQUICServerStarted')
exports.EventQUICServerStop = define(EventQUICServer, 'EventQUICServerStop')
exports.EventQUICServerStopped = define(EventQUICServer, 'EventQUICServerStopped')
exports.EventQUICServerError = define(EventQUICServer, 'EventQUICServerError')
exports.EventQUICServerClose = define(EventQUICServer, 'EventQUICServerClose')
exports.EventQUICConnection = EventQUICConnection
exports.EventQUICConnectionStart = define(EventQUICConnection, 'EventQUICConnectionStart')
exports.EventQUICConnectionStarted = define(EventQUICConnection, 'EventQUICConnectionStarted')
exports.EventQUICConnectionStop = define(EventQUICConnection, 'EventQUICConnectionStop')
exports.EventQUICConnectionStopped = define(EventQUICConnection, 'EventQUICConnectionStopped')
/** The connection failed (detail: ErrorQUICConnectionLocal / Peer / IdleTimeout / Internal). */
exports.EventQUICConnectionError = define(EventQUICConnection, 'EventQUICConnectionError')
/** The connection is closed (detail: the error, or undefined for a clean close). */
exports.EventQUICConnectionClose = define(EventQUICConnection, 'EventQUICConnectionClose')
/** A stream the peer opened (detail: QUICStream). */
exports.EventQUICConnectionStream = define(EventQUICConnection, 'EventQUICConnectionStream')
exports.EventQUICConnectionSend = define(EventQUICConnection, 'EventQUICConnectionSend')
/** DATAGRAM frames received (detail: Array<Buffer>), one event per batch. */
exports.EventQUICConnectionDatagram = define(EventQUICConnection, 'EventQUICConnectionDatagram')
/** The peer's address changed, e.g. NAT rebinding (detail: { host, port }). */
exports.EventQUICConnectionPeerMigrated = define(EventQUICConnection, 'EventQUICConnectionPeerMigrated')
exports.EventQUICStream = EventQUICStream
exports.EventQUICStreamDestroy = define(EventQUICStream, 'EventQUICStreamDestroy')
exports.EventQUICStreamDestroyed = define(EventQUICStream, 'EventQUICStreamDestroyed')
exports.EventQUICStreamError = define(EventQUICStream, 'EventQUICStreamError')
exports.EventQUICStreamCloseRead = define(EventQUICStream, 'EventQUICStreamCloseRead')
exports.EventQUICStreamCloseWrite = define(EventQUICStream, 'EventQUICStreamCloseWrite')
exports.EventQUICStreamSend = define(EventQUICStream, 'EventQUICStreamSend')
