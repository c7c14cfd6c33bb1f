// @ts-check
'use strict'
// The WebTransport echo the examples serve: every bidirectional stream back on itself, every
// unidirectional stream back on a new unidirectional stream, every datagram back.
const ignore = () => {}

/** @param {import('@matrixai/quic/webtransport').WebTransportSession} session */
function echoSession(session) {
  void (async () => {
    for await (const { readable, writable } of session.incomingBidirectionalStreams)
      readable.pipeTo(writable).catch(ignore)
  })().catch(ignore)
  void (async () => {
    for await (const readable of session.incomingUnidirectionalStreams) {
      readable.pipeTo(await session.createUnidirectionalStream()).catch(ignore)
    }
  })().catch(ignore)
  void (async () => {
    const writer = session.datagrams.writable.getWriter()
    for await (const datagram of session.datagrams.readable) await writer.write(datagram)
  })().catch(ignore)
}

module.exports = { echoSession }
