// `@matrixai/quic/native.js` (2.x: `native/index.js`): the addon and 2.x's code tables, the
// root's `native`.
import { native } from '../index.js'
export = native
