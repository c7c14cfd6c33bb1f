// @ts-check
'use strict'
// `@matrixai/quic/http3`: HTTP/3 (RFC 9114) on this library's QUIC connections: a server with a
// fetch-style handler, and the framing, QPACK and error codes beneath it.

const { Http3Server } = require('./server.js')
const { H3Connection } = require('./H3Connection.js')
const { FRAME, STREAM, SETTING, ERROR, H3Error } = require('./frames.js')

module.exports = { Http3Server, H3Connection, H3Error, FRAME, STREAM, SETTING, ERROR }
