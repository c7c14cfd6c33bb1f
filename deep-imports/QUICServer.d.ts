// `@matrixai/quic/QUICServer.js`, as 2.x's deep import: the class itself (the default export).
import { QUICServer } from '../index.js'
export = QUICServer
