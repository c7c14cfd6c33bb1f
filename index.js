'use strict'
// The public entry: the five classes and the `events`, `errors`, `config`, `utils` and `native`
// namespaces, as in @matrixai/quic 2.x.

const QUICSocket = require('./src/QUICSocket.js')
const QUICServer = require('./src/QUICServer.js')
const QUICClient = require('./src/QUICClient.js')
const QUICConnection = require('./src/QUICConnection.js')
const QUICStream = require('./src/QUICStream.js')
const events = require('./src/events.js')
const errors = require('./src/errors.js')
const config = require('./src/config.js')
const utils = require('./src/utils.js')
const { createNativeConfig } = require('./src/native-options.js')

module.exports.QUICSocket = QUICSocket
module.exports.QUICServer = QUICServer
module.exports.QUICClient = QUICClient
module.exports.QUICConnection = QUICConnection
module.exports.QUICStream = QUICStream
module.exports.QUICConnectionId = require('./src/QUICConnectionId.js')
module.exports.QUICConnectionMap = require('./src/QUICConnectionMap.js')
module.exports.events = events
module.exports.errors = errors
module.exports.config = config
module.exports.utils = utils
// The addon, with the code tables 2.x's `native` namespace had: the deep import's object, so
// `@matrixai/quic/native` is the same one.
module.exports.native = Object.freeze(require('./deep-imports/native.js'))
module.exports.createNativeConfig = createNativeConfig
