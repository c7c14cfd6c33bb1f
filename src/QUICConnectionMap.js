// @ts-check
'use strict'
// QUICConnectionMap: 2.x's `socket.connectionMap`, the connections a socket carries keyed by
// their QUICConnectionId (looked up by value, not identity), with the server's and the clients'
// apart (`serverConnections`, `clientConnections`, keyed by the id's hex). Routing does not use
// it: a socket routes by every id a connection has, natively or in its own table.

const QUICConnectionId = require('./QUICConnectionId.js')

/** @typedef {{ type?: string }} Connection anything with a `type` ('server' or 'client') */

/** @extends {Map<QUICConnectionId, Connection>} */
class QUICConnectionMap extends Map {
  /** @param {Iterable<readonly [QUICConnectionId, Connection]>} [connections] */
  constructor(connections) {
    super()
    /** @type {Map<string, Connection>} */
    this._serverConnections = new Map()
    /** @type {Map<string, Connection>} */
    this._clientConnections = new Map()
    /** Hex → the id it was set with. @type {Map<string, QUICConnectionId>} */
    this.ids = new Map()
    for (const [id, conn] of connections ?? []) this.set(id, conn)
  }

  /** @param {Uint8Array} id */
  static key(id) {
    return QUICConnectionId.fromBuffer(id).toString()
  }

  /** @returns {ReadonlyMap<string, Connection>} */
  get serverConnections() {
    return this._serverConnections
  }

  /** @returns {ReadonlyMap<string, Connection>} */
  get clientConnections() {
    return this._clientConnections
  }

  /** @param {Connection} conn */
  side(conn) {
    return conn.type === 'server' ? this._serverConnections : conn.type === 'client' ? this._clientConnections : null
  }

  /** @param {QUICConnectionId} id */
  has(id) {
    return this.ids.has(QUICConnectionMap.key(id))
  }

  /** @param {QUICConnectionId} id */
  get(id) {
    const known = this.ids.get(QUICConnectionMap.key(id))
    return known === undefined ? undefined : super.get(known)
  }

  /** @param {QUICConnectionId} id @param {Connection} conn */
  set(id, conn) {
    // Map's constructor calls set before this class's fields exist: nothing is passed to it.
    if (this.ids === undefined) return super.set(id, conn)
    const key = QUICConnectionMap.key(id)
    const known = this.ids.get(key)
    if (known !== undefined) this.delete(known)
    this.ids.set(key, id)
    this.side(conn)?.set(key, conn)
    return super.set(id, conn)
  }

  /** @param {QUICConnectionId} id */
  delete(id) {
    const key = QUICConnectionMap.key(id)
    const known = this.ids.get(key)
    if (known === undefined) return false
    this.ids.delete(key)
    this._serverConnections.delete(key)
    this._clientConnections.delete(key)
    return super.delete(known)
  }

  clear() {
    this.ids.clear()
    this._serverConnections.clear()
    this._clientConnections.clear()
    super.clear()
  }
}

module.exports = QUICConnectionMap
