// `@matrixai/quic/QUICSocket.js`, as 2.x's deep import: the class itself (the default export).
import { QUICSocket } from '../index.js'
export = QUICSocket
