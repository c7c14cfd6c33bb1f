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

const events = {
  EventQUIC,
  EventQUICSocket,
  EventQUICSocketStart: define(EventQUICSocket, 'EventQUICSocketStart'),
  EventQUICSocketStarted: define(EventQUICSocket, 'EventQUICSocketStarted'),
  EventQUICSocketStop: define(EventQUICSocket, 'EventQUICSocketStop'),
  EventQUICSocketStopped: define(EventQUICSocket, 'EventQUICSocketStopped'),
  /** A socket error (detail: ErrorQUICSocketInternal); the socket stays up unless it closed. */
  EventQUICSocketError: define(EventQUICSocket, 'EventQUICSocketError'),
  EventQUICSocketClose: define(EventQUICSocket, 'EventQUICSocketClose'),
  EventQUICClient,
  EventQUICClientDestroy: define(EventQUICClient, 'EventQUICClientDestroy'),
  EventQUICClientDestroyed: define(EventQUICClient, 'EventQUICClientDestroyed'),
  EventQUICClientError: define(EventQUICClient, 'EventQUICClientError'),
  EventQUICClientErrorSend: define(EventQUICClient, 'EventQUICClientErrorSend'),
  EventQUICClientClose: define(EventQUICClient, 'EventQUICClientClose'),
  EventQUICServer,
  /** A new connection, established and verified (detail: QUICConnection). */
  EventQUICServerConnection: define(EventQUICServer, 'EventQUICServerConnection'),
  EventQUICServerStart: define(EventQUICServer, 'EventQUICServerStart'),
  EventQUICServerStarted: define(EventQUICServer, 'EventQUICServerStarted'),
  EventQUICServerStop: define(EventQUICServer, 'EventQUICServerStop'),
  EventQUICServerStopped: define(EventQUICServer, 'EventQUICServerStopped'),
  EventQUICServerError: define(EventQUICServer, 'EventQUICServerError'),
  EventQUICServerClose: define(EventQUICServer, 'EventQUICServerClose'),
  EventQUICConnection,
  EventQUICConnectionStart: define(EventQUICConnection, 'EventQUICConnectionStart'),
  EventQUICConnectionStarted: define(EventQUICConnection, 'EventQUICConnectionStarted'),
  EventQUICConnectionStop: define(EventQUICConnection, 'EventQUICConnectionStop'),
  EventQUICConnectionStopped: define(EventQUICConnection, 'EventQUICConnectionStopped'),
  /** The connection failed (detail: ErrorQUICConnectionLocal / Peer / IdleTimeout / Internal). */
  EventQUICConnectionError: define(EventQUICConnection, 'EventQUICConnectionError'),
  /** The connection is closed (detail: the error, or undefined for a clean close). */
  EventQUICConnectionClose: define(EventQUICConnection, 'EventQUICConnectionClose'),
  /** A stream the peer opened (detail: QUICStream). */
  EventQUICConnectionStream: define(EventQUICConnection, 'EventQUICConnectionStream'),
  EventQUICConnectionSend: define(EventQUICConnection, 'EventQUICConnectionSend'),
  /** DATAGRAM frames received (detail: Array<Buffer>), one event per batch. */
  EventQUICConnectionDatagram: define(EventQUICConnection, 'EventQUICConnectionDatagram'),
  /** The peer's address changed, e.g. NAT rebinding (detail: { host, port }). */
  EventQUICConnectionPeerMigrated: define(EventQUICConnection, 'EventQUICConnectionPeerMigrated'),
  EventQUICStream,
  EventQUICStreamDestroy: define(EventQUICStream, 'EventQUICStreamDestroy'),
  EventQUICStreamDestroyed: define(EventQUICStream, 'EventQUICStreamDestroyed'),
  EventQUICStreamError: define(EventQUICStream, 'EventQUICStreamError'),
  EventQUICStreamCloseRead: define(EventQUICStream, 'EventQUICStreamCloseRead'),
  EventQUICStreamCloseWrite: define(EventQUICStream, 'EventQUICStreamCloseWrite'),
  EventQUICStreamSend: define(EventQUICStream, 'EventQUICStreamSend'),
}

module.exports = events
