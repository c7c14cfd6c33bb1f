// @ts-check
'use strict'
// How a connection ended, as its user's error: the idle timeout, or a CONNECTION_CLOSE this side
// or the peer sent (a TLS alert apart from other transport and application codes), or none for
// a clean close (code 0 either way).

const errors = require('./errors.js')

/**
 * The error for a connection quiche says has ended; undefined for a clean close.
 * @param {import('./native/binding').Connection} native
 * @returns {Error | undefined}
 */
function closeError(native) {
  if (native.isTimedOut()) return new errors.ErrorQUICConnectionIdleTimeout()
  const peer = native.peerError()
  if (peer != null && peer.errorCode !== 0) return fromClose(peer, false)
  const local = native.localError()
  if (local != null && local.errorCode !== 0) return fromClose(local, true)
  return undefined
}

/** @param {import('./native/binding').ConnectionError} e @param {boolean} isLocal */
function fromClose(e, isLocal) {
  const data = { isApp: e.isApp, errorCode: e.errorCode, reason: e.reason }
  // TLS alerts travel as transport codes 0x100 + alert (RFC 9001 §4.8).
  const tls = !e.isApp && e.errorCode >= 0x100 && e.errorCode <= 0x1ff
  let Cls
  if (isLocal) Cls = tls ? errors.ErrorQUICConnectionLocalTLS : errors.ErrorQUICConnectionLocal
  else Cls = tls ? errors.ErrorQUICConnectionPeerTLS : errors.ErrorQUICConnectionPeer
  const kind = e.isApp ? 'application' : 'transport'
  const reason = e.reason.length > 0 ? `: ${e.reason.toString()}` : ''
  return new Cls(`${isLocal ? 'closed' : 'peer closed'} with ${kind} code ${e.errorCode}${reason}`, { data })
}

module.exports = closeError
