// @ts-check
'use strict'
// `node:diagnostics_channel` channels for tracing tools (as undici has them): each connection's
// and stream's life cycle and each path event. Publishers check `hasSubscribers` first, so the
// channels cost a property read when nothing subscribes. Names and messages:
//   quic:connection:created  { connection }
//   quic:connection:started  { connection }          established and verified
//   quic:connection:closed   { connection, error }   error undefined for a clean close
//   quic:stream:created      { stream }
//   quic:stream:closed       { stream }              both halves ended
//   quic:path:event          { connection, event }   quiche's path events (peerMigrated, …)

const dc = require('node:diagnostics_channel')

const channels = Object.freeze({
  connectionCreated: dc.channel('quic:connection:created'),
  connectionStarted: dc.channel('quic:connection:started'),
  connectionClosed: dc.channel('quic:connection:closed'),
  streamCreated: dc.channel('quic:stream:created'),
  streamClosed: dc.channel('quic:stream:closed'),
  pathEvent: dc.channel('quic:path:event'),
})

module.exports = { channels }
