'use strict'
// `@matrixai/quic/native.js` (2.x: `native/index.js`): the addon and 2.x's code tables, the
// root's `native`. The tables are named one by one so that ESM named imports find them.
const codes = require('../src/native-codes.js')
Object.assign(exports, require('../src/native.js'))
exports.ConnectionErrorCode = codes.ConnectionErrorCode
exports.CryptoError = codes.CryptoError
exports.CongestionControlAlgorithm = codes.CongestionControlAlgorithm
exports.Shutdown = codes.Shutdown
exports.Type = codes.Type
exports.quiche = codes.quiche
