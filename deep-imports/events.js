'use strict'
// `@matrixai/quic/events.js`, as 2.x's deep import: the same names as the root's `events`.
module.exports = require('../src/events.js')
