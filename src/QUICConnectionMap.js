// @ts-check
'use strict'
// QUICConnectionMap: 2.x's `socket.connectionMap`, the connections a socket carries keyed by
// their QUICConnectionId (looked up by value, not identity), with the server's and the clients'
// apart (`serverConnections`, `clientConnections`, keyed by the id's hex). Routing does not use
// it: a socket routes by every id a connection has, natively or in its own table.

const { encodeConnectionId } = require('./utils.js')

/** @typedef {{ type?: string }} Connection anything with a `type` ('server' or 'client') */

/** @extends {Map<import('./QUICConnectionId.js'), Connection>} */
class QUICConnectionMap extends Map {
  /** @param {Iterable<readonly [import('./QUICConnectionId.js'), Connection]>} [connections] */
  constructor(connections) {
    super()
    /** @type {Map<string, Connection>} */
    this._serverConnections = new Map()
    /** @type {Map<string, Connection>} */
    this._clientConnections = new Map()
    /** Hex → the id it was set with. @type {Map<string, import('./QUICConnectionId.js')>} */
    this.ids = new Map()
    for (const [id, conn] of connections ?? []) this.set(id, conn)
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

  /** @param {import('./QUICConnectionId.js')} id */
  has(id) {
    return this.ids.has(encodeConnectionId(id))
  }

  /** @param {import('./QUICConnectionId.js')} id */
  get(id) {
    const known = this.ids.get(encodeConnectionId(id))
    return known === undefined ? undefined : super.get(known)
  }

  /** @param {import('./QUICConnectionId.js')} id @param {Connection} conn */
  set(id, conn) {
    const key = encodeConnectionId(id)
    const known = this.ids.get(key)
    if (known !== undefined) this.delete(known)
    this.ids.set(key, id)
    this.side(conn)?.set(key, conn)
    return super.set(id, conn)
  }

  /** @param {import('./QUICConnectionId.js')} id */
  delete(id) {
    const key = encodeConnectionId(id)
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
