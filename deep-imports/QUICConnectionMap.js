'use strict'
// `@matrixai/quic/QUICConnectionMap.js`, as 2.x's deep import: the class itself (the default export). It is
// taken from the root so that the root's set-up (2.x's life-cycle symbols) runs first.
module.exports = require('../index.js').QUICConnectionMap
