'use strict'
// `@matrixai/quic/errors.js`, as 2.x's deep import: the same names as the root's `errors`.
module.exports = require('../src/errors.js')
