// `@matrixai/quic/utils.js`, as 2.x's deep import: the same names as the root's `utils`.
import { utils } from '../index.js'
export = utils
