// @ts-check
'use strict'
// The WebTransport echo the examples serve: every bidirectional stream back on itself, every
// unidirectional stream back on a new unidirectional stream, every datagram back.
const ignore = () => {}

/**
 * @param {import('@matrixai/quic/webtransport').WebTransportSession} session
 * @param {{ afterBidi?: () => void }} [hooks] `afterBidi`: a bidirectional stream was echoed to its end
 */
function echoSession(session, hooks = {}) {
  void (async () => {
    for await (const { readable, writable } of session.incomingBidirectionalStreams) {
      readable.pipeTo(writable).then(hooks.afterBidi, ignore)
    }
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
