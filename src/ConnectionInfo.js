// @ts-check
'use strict'
// ConnectionInfo: what a QUICConnection reports about itself, apart from what it does: its
// addresses, its connection ids (2.x's forms), the certificate chains on both sides, `meta()`
// and the error it ended with. QUICConnection sets the fields below and extends this.

const { Buffer } = require('node:buffer')
const QUICEventTarget = require('./QUICEventTarget.js')
const QUICConnectionId = require('./QUICConnectionId.js')
const utils = require('./utils.js')

class ConnectionInfo extends QUICEventTarget {
  /** @type {import('./native/binding').Connection} */
  native = /** @type {any} */ (null)
  /** @type {import('./QUICSocket.js')} */
  socket = /** @type {any} */ (null)
  /** @type {import('../index').QUICConfig} */
  config = /** @type {any} */ (null)
  _remoteHost = ''
  _remotePort = 0
  /** @type {'starting' | 'running' | 'stopping' | 'stopped'} */
  state = 'starting'
  /** How it ended, when it failed. @type {Error | undefined} */
  error = undefined
  /** @type {Uint8Array[] | undefined} */
  caDER = undefined
  /** @type {Uint8Array[] | undefined} */
  certDER = undefined

  get remoteHost() {
    return this._remoteHost
  }

  get remotePort() {
    return this._remotePort
  }

  get localHost() {
    return this.socket.host
  }

  get localPort() {
    return this.socket.port
  }

  get closed() {
    return this.state === 'stopped'
  }

  /** The id the peer addresses this side by now (a view of it, no copy). */
  get connectionId() {
    return QUICConnectionId.fromBuffer(this.native.sourceId())
  }

  /** The id this side addresses the peer by now. */
  get connectionIdPeer() {
    return QUICConnectionId.fromBuffer(this.native.destinationId())
  }

  /** The same on both sides of a connection, as in 2.x: the two ids, the smaller first. */
  get connectionIdShared() {
    const source = this.native.sourceId()
    const destination = this.native.destinationId()
    const pair = Buffer.compare(source, destination) <= 0 ? [source, destination] : [destination, source]
    return QUICConnectionId.fromBuffer(Buffer.concat(pair))
  }

  /** The configured CA certificates, DER (parsed once). */
  caChainDER() {
    if (this.caDER === undefined) this.caDER = utils.parseCertificates(this.config.ca)
    return this.caDER
  }

  /** This side's own certificates (`config.cert`), DER, leaf first (parsed once). */
  certChainDER() {
    if (this.certDER === undefined) this.certDER = utils.parseCertificates(this.config.cert)
    return this.certDER
  }

  /** 2.x's name for `native` (its methods are 3.0's). */
  get conn() {
    return this.native
  }

  /** @returns {import('../index').ConnectionMetadata} */
  meta() {
    return {
      localHost: this.localHost,
      localPort: this.localPort,
      remoteHost: this.remoteHost,
      remotePort: this.remotePort,
      localCertsChain: this.certChainDER(),
      localCACertsChain: this.caChainDER(),
      remoteCertsChain: this.native.peerCertChain() ?? [],
    }
  }

  getRemoteCertsChain() {
    return this.native.peerCertChain() ?? []
  }

  getLocalCACertsChain() {
    return this.caChainDER()
  }

  /** This side's certificates, DER, leaf first (as 2.x). */
  getLocalCertsChain() {
    return this.certChainDER()
  }

  getConnectionError() {
    return this.error
  }
}

module.exports = ConnectionInfo
