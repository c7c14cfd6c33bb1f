'use strict'
// `@matrixai/quic/config.js`, as 2.x's deep import: the same names as the root's `config`.
module.exports = require('../src/config.js')
