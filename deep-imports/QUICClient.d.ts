// `@matrixai/quic/QUICClient.js`, as 2.x's deep import: the class itself (the default export).
import { QUICClient } from '../index.js'
export = QUICClient
