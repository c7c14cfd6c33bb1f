'use strict'
// `@matrixai/quic/webtransport`: WebTransport over HTTP/3 on this library (src/webtransport/).
module.exports = require('../src/webtransport/index.js')
