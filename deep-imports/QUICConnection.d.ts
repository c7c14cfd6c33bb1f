// `@matrixai/quic/QUICConnection.js`, as 2.x's deep import: the class itself (the default export).
import { QUICConnection } from '../index.js'
export = QUICConnection
