'use strict'
// The public entry. The classes of the JS layer (QUICSocket, QUICServer, QUICClient,
// QUICConnection, QUICStream) are added here as they land; today it exposes the native core.

const native = require('./src/native.js')
const errors = require('./src/errors.js')
const { createNativeConfig } = require('./src/native-options.js')

module.exports.native = native
module.exports.errors = errors
module.exports.createNativeConfig = createNativeConfig
