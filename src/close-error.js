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
  const alert = tls ? ` (TLS alert ${e.errorCode - 0x100}: ${ALERTS[e.errorCode - 0x100] ?? 'unknown alert'})` : ''
  return new Cls(`${isLocal ? 'closed' : 'peer closed'} with ${kind} code ${e.errorCode}${alert}${reason}`, { data })
}

/** TLS alerts (RFC 8446 §6) in words, with the usual cause where one stands out. */
const ALERTS = /** @type {Record<number, string>} */ ({
  0: 'close notify',
  10: 'unexpected message',
  20: 'bad record MAC',
  40: 'handshake failure (no cipher suite, group or signature algorithm in common)',
  42: 'bad certificate (rejected by the verify callback, or not for the server name)',
  43: 'unsupported certificate',
  44: 'certificate revoked',
  45: 'certificate expired',
  46: 'certificate unknown',
  47: 'illegal parameter',
  48: 'unknown CA (the chain does not lead to a trusted certificate: check `ca`)',
  49: 'access denied',
  50: 'decode error',
  51: 'decrypt error',
  70: 'protocol version',
  71: 'insufficient security',
  80: 'internal error',
  86: 'inappropriate fallback',
  90: 'user canceled',
  109: 'missing extension',
  110: 'unsupported extension',
  112: 'unrecognized name (no certificate for the server name)',
  113: 'bad certificate status response',
  115: 'unknown PSK identity',
  116: 'certificate required (the server asks for a client certificate: `key` and `cert`)',
  120: 'no application protocol (no ALPN in common: check `applicationProtos`)',
})

module.exports = closeError
