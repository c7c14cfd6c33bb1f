// @ts-check
'use strict'
// DriverCheck: the connection driver's invariant, checked against quiche in checking mode
// (`QUIC_CHECK_DRIVER=1`, as `npm test` and the simulation run): each time the driver goes
// idle, at the end of that turn, a flush must send nothing and quiche's deadline must have the
// timer. A violation throws with the driver's recent events, which it keeps for that report.

const { clock } = require('./clock.js')

/** Events kept for a violation's report. */
const TRACE = 64

class DriverCheck {
  /** @param {import('./ConnectionDriver.js')} driver */
  constructor(driver) {
    this.driver = driver
    /** Recent events: [virtual or real ms, what]. @type {[number, string][] | null} */
    this.trace = []
    this.queued = false
  }

  /** Records an event for a violation's report. @param {string} what */
  note(what) {
    if (this.trace == null) return
    this.trace.push([Math.round(clock.now() * 1000) / 1000, what])
    if (this.trace.length > TRACE) this.trace.shift()
  }

  /** The driver went idle: quiche is asked at the end of the turn whether it agrees. */
  idle() {
    if (this.queued) return
    this.queued = true
    clock.setImmediate(() => {
      this.queued = false
      this.check()
    })
  }

  /**
   * Checks the invariant against quiche: when idle, a flush sends nothing and quiche's deadline
   * has the timer. Throws with the driver's recent history when it does not hold.
   */
  check() {
    const d = this.driver
    if (!d.isIdle()) return
    const t = d.host.native.timeout()
    const now = clock.now()
    let broken = ''
    if (t != null && t >= 0 && (d.timer == null || d.timerAt > now + t + 1))
      broken = `quiche's deadline in ${t.toFixed(1)} ms has no timer`
    else {
      // The check's own flush is neither history nor a reason for another check.
      const trace = this.trace
      this.trace = null
      this.queued = true
      d.flushIdle()
      this.queued = false
      this.trace = trace
      if (d.lastSent > 0) broken = `quiche had ${d.lastSent} packet(s) to send`
    }
    if (broken === '') return
    const history = (this.trace ?? []).map(([at, what]) => `  ${at} ${what}`).join('\n')
    throw new Error(
      `connection driver invariant broken: ${broken} while ${d.describe()}\nrecent driver events:\n${history}`,
    )
  }
}

module.exports = DriverCheck
