// @ts-check
'use strict'
// `@matrixai/quic/webtransport`: WebTransport over HTTP/3 on this library: sessions shaped like
// the browser's `WebTransport` (streams as Web Streams, datagrams, close with code and reason),
// served by an Http3Server's `onWebTransport`, and a client with the browser's `WebTransport`
// interface.

const { WebTransportSession, WebTransportError } = require('./session.js')
const { WebTransport } = require('./client.js')
const { Http3Server } = require('../http3/server.js')
const { toHttp3, fromHttp3, WT_ERROR } = require('./codes.js')

module.exports = { WebTransport, WebTransportSession, WebTransportError, Http3Server, toHttp3, fromHttp3, WT_ERROR }
