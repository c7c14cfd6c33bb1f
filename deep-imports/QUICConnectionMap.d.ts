// `@matrixai/quic/QUICConnectionMap.js`, as 2.x's deep import: the class itself (the default export).
import { QUICConnectionMap } from '../index.js'
export = QUICConnectionMap
