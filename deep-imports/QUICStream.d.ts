// `@matrixai/quic/QUICStream.js`, as 2.x's deep import: the class itself (the default export).
import { QUICStream } from '../index.js'
export = QUICStream
