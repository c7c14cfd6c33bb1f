'use strict'
// `@matrixai/quic/types.js`, as 2.x's deep import: types only, nothing at run time.
