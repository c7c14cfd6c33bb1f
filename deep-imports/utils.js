'use strict'
// `@matrixai/quic/utils.js`, as 2.x's deep import: the same names as the root's `utils`.
module.exports = require('../src/utils.js')
