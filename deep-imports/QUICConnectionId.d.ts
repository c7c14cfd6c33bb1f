// `@matrixai/quic/QUICConnectionId.js`, as 2.x's deep import: the class itself (the default export).
import { QUICConnectionId } from '../index.js'
export = QUICConnectionId
