// `@matrixai/quic/index.js`, as 2.x's deep import: the package root.
export * from '../index.js'
