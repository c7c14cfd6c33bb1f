'use strict'
// `@matrixai/quic/index.js`, as 2.x's deep import: the package root.
module.exports = require('../index.js')
