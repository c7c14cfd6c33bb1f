// @ts-check
'use strict'
// Handing a connection out once its handshake is done: the peer's certificate chain goes to
// `verifyCallback` (a rejection closes with its TLS alert), then the connection runs: started
// events, the keep-alive armed, and peer streams that came early announced once the user has
// had the connection and a chance to listen for them.

const { clock } = require('./clock.js')
const events = require('./events.js')
const { channels } = require('./diagnostics.js')

/** @param {import('./QUICConnection.js')} conn */
async function handOut(conn) {
  conn.verifying = true
  const cb = conn.config.verifyCallback
  // A resumed session was verified when its ticket was issued; in 0-RTT there is no chain yet.
  if (cb != null && !conn.native.isInEarlyData()) {
    const certs = conn.native.peerCertChain() ?? []
    let code
    try {
      code = await cb(certs, conn.caChainDER())
    } catch {
      // A callback that throws rejects the chain: bad_certificate.
      code = 0x100 + 42
    }
    if (code !== undefined && code !== null) {
      conn.native.close(false, code, Buffer.from('certificate rejected'))
      conn.driver.flushNow()
      conn.finish()
      return
    }
  }
  if (conn.state !== 'starting') return
  conn.state = 'running'
  // The keep-alive counts from now.
  conn.driver.arm()
  conn.logger.info(`Started QUICConnection with ${conn._remoteHost}:${conn._remotePort}`)
  conn.emit(events.EventQUICConnectionStarted)
  if (channels.connectionStarted.hasSubscribers) channels.connectionStarted.publish({ connection: conn })
  conn.resolveStarted(undefined)
  // Peer streams that came with 0-RTT or the first flight wait until the user has had the
  // connection (server event, client promise) and a chance to listen for them; so does its end.
  conn.handingOut = true
  clock.setImmediate(() => {
    conn.handingOut = false
    conn.table.announce()
    // Datagrams that came before now.
    conn.driver.oweService()
  })
}

module.exports = { handOut }
