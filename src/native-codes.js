// @ts-check
'use strict'
// The numbers 2.x's users write by name, as 2.x's `native` namespace has them: QUIC transport
// error codes (`ConnectionErrorCode`, for `stop({ isApp: false, errorCode })`), TLS alerts as
// QUIC codes (`CryptoError`, 0x100 + the alert: what a `verifyCallback` returns to reject), and
// the small enums beside them. Each is a TypeScript-style enum: name → number and number → name.
// `quiche` holds 2.x's constants.

const native = require('./native.js')

/** @param {Record<string, number>} byName */
function enumOf(byName) {
  /** @type {Record<string | number, string | number>} */
  const e = {}
  for (const [name, value] of Object.entries(byName)) {
    e[name] = value
    e[value] = name
  }
  return Object.freeze(e)
}

/** RFC 9000 §20.1. */
const ConnectionErrorCode = enumOf({
  NoError: 0x0,
  InternalError: 0x1,
  ConnectionRefused: 0x2,
  FlowControlError: 0x3,
  StreamLimitError: 0x4,
  StreamStateError: 0x5,
  FinalSizeError: 0x6,
  FrameEncodingError: 0x7,
  TransportParameterError: 0x8,
  ConnectionIdLimitError: 0x9,
  ProtocolViolation: 0xa,
  InvalidToken: 0xb,
  ApplicationError: 0xc,
  CryptoBufferExceeded: 0xd,
  KeyUpdateError: 0xe,
  AEADLimitReached: 0xf,
  NoViablePath: 0x10,
})

/** TLS alerts (RFC 8446 §6) as QUIC transport codes, 0x100 + the alert (RFC 9001 §4.8). */
const CryptoError = enumOf(
  Object.fromEntries(
    Object.entries({
      CloseNotify: 0,
      UnexpectedMessage: 10,
      BadRecordMac: 20,
      RecordOverflow: 22,
      HandshakeFailure: 40,
      BadCertificate: 42,
      UnsupportedCertificate: 43,
      CertificateRevoked: 44,
      CertificateExpired: 45,
      CertificateUnknown: 46,
      IllegalParameter: 47,
      UnknownCA: 48,
      AccessDenied: 49,
      DecodeError: 50,
      DecryptError: 51,
      ProtocolVersion: 70,
      InsufficientSecurity: 71,
      InternalError: 80,
      InappropriateFallback: 86,
      UserCanceled: 90,
      MissingExtension: 109,
      UnsupportedExtension: 110,
      UnrecognizedName: 112,
      BadCertificateStatusResponse: 113,
      UnknownPSKIdentity: 115,
      CertificateRequired: 116,
      NoApplicationProtocol: 120,
    }).map(([name, alert]) => [name, 0x100 + alert]),
  ),
)

const CongestionControlAlgorithm = enumOf({ Reno: 0, CUBIC: 1, BBR: 2 })
const Shutdown = enumOf({ Read: 0, Write: 1 })
const Type = enumOf({ Initial: 0, Retry: 1, Handshake: 2, ZeroRTT: 3, VersionNegotiation: 4, Short: 5 })

/**
 * 2.x's `native.quiche`: its constants (quiche's from the addon) and the tables above. 2.x's raw `Config`, `Connection`
 * and `Header` classes are not here: 3.0's core is `native.Connection`, a different API.
 */
const quiche = Object.freeze({
  MAX_CONN_ID_LEN: native.MAX_CONN_ID_LEN,
  MIN_CLIENT_INITIAL_LEN: native.MIN_CLIENT_INITIAL_LEN,
  PROTOCOL_VERSION: native.PROTOCOL_VERSION,
  // 2.x's own limits, not quiche's.
  MAX_DATAGRAM_SIZE: 1350,
  MAX_UDP_PACKET_SIZE: 65535,
  MAX_STREAM_WINDOW: 16 * 1024 * 1024,
  MAX_CONNECTION_WINDOW: 24 * 1024 * 1024,
  CRYPTO_ERROR_START: 0x100,
  CRYPTO_ERROR_STOP: 0x1ff,
  ConnectionErrorCode,
  CongestionControlAlgorithm,
  Shutdown,
  Type,
})

module.exports = { ConnectionErrorCode, CryptoError, CongestionControlAlgorithm, Shutdown, Type, quiche }
