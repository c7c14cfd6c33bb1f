// @ts-check
'use strict'
// `@matrixai/quic/http3`: HTTP/3 (RFC 9114) on this library's QUIC connections: a server with a
// fetch-style handler, a client with `fetch`, and the framing, QPACK and error codes beneath them.

const { Http3Server } = require('./server.js')
const { Http3Client } = require('./client.js')
const { Http3Dispatcher } = require('./dispatcher.js')
const { compat } = require('./compat.js')
const { H3Connection } = require('./H3Connection.js')
const { FRAME, STREAM, SETTING, ERROR, H3Error } = require('./frames.js')

module.exports = {
  Http3Server,
  Http3Client,
  Http3Dispatcher,
  compat,
  H3Connection,
  H3Error,
  FRAME,
  STREAM,
  SETTING,
  ERROR,
}
