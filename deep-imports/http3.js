'use strict'
// `@matrixai/quic/http3`: HTTP/3 on this library's QUIC connections (src/http3/).
module.exports = require('../src/http3/index.js')
