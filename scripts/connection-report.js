// @ts-check
'use strict'
// One line of JSON that says where a connection stands, for the soak and lossy runs' failure
// reports: paths, the streams still held (in JS and in quiche), quiche's deadline, the close
// codes, the driver's state, and how many packets a flush forced now sends (any: the driver owed
// a flush it had not run).

/**
 * @param {import('../index').QUICConnection | null | undefined} c
 * @param {number} [maxHeld] how many held streams to list
 */
function describeConnection(c, maxHeld = 4) {
  if (c == null) return 'none'
  const sentSoFar = () => c.native.pathStats().reduce((n, x) => n + Number(x.sent), 0)
  const paths = c.native.pathStats().map((x) => ({
    active: x.active,
    state: x.validationState,
    rtt: x.rtt,
    cwnd: x.cwnd,
    pto: x.totalPtoCount,
    sent: x.sent,
    lost: x.lost,
  }))
  const held = [...c.streams.values()].slice(0, maxHeld).map((s) => {
    const id = /** @type {number} */ (s.streamId)
    return {
      id,
      read: s.readState,
      write: s.writeState,
      readable: c.native.streamReadable(id),
      finished: c.native.streamFinished(id),
    }
  })
  // Internal: the public type does not name the driver.
  const connDriver = /** @type {import('../src/ConnectionDriver.js')} */ (/** @type {any} */ (c).driver)
  const driver = connDriver.describe()
  const timeout = c.native.timeout()
  const before = sentSoFar()
  connDriver.flushNow()
  const flushSent = sentSoFar() - before
  return JSON.stringify({
    closed: c.closed,
    streams: c.streams.size,
    droppedSends: c.native.droppedSends,
    held,
    timeout,
    localError: c.native.localError(),
    peerError: c.native.peerError(),
    driver,
    flushSent,
    paths,
  })
}

module.exports = { describeConnection }
