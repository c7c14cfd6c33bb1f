// @ts-check
'use strict'
// ConnectionDriver: when one connection's packets go out and when its timer fires, decided in one
// place by one state machine. Inputs (a received batch or datagram, a write or read that queued
// something in quiche, the timer) move the state; the state says what runs next: a flush now, a
// flush (or a poll and a flush) at the end of this turn or of the received batch, or nothing but
// the timer. Invariant after every turn: if quiche has a packet to send, a flush is owed (the
// state is not IDLE), and if it has a deadline, the timer fires at or before it. With
// QUIC_CHECK_DRIVER=1 in the environment (npm test sets it) every IDLE state is checked against
// quiche itself, and a violation throws with the driver's recent history.

const { Buffer } = require('node:buffer')
const { clock } = require('./clock.js')
const DriverCheck = require('./DriverCheck.js')
const { fast } = require('./native.js')

/** Nothing owed: quiche has nothing to send; its deadline, if any, has the timer. */
const IDLE = 0
/** A flush runs in this turn's check phase (setImmediate). */
const TURN_FLUSH = 1
/** A poll, then a flush, run in this turn's check phase. */
const TURN_SERVICE = 2
/** A received batch is being handled: its flush runs when the batch ends. */
const BATCH = 3
/** In a batch whose first reply left at once with the ACKs; nothing owed since. */
const BATCH_REPLIED = 4
/** In a batch whose first reply left; more owed since: a flush when the batch ends. */
const BATCH_FLUSH = 5
/** In a batch that owes a poll too: a poll, then a flush, when the batch ends. */
const BATCH_SERVICE = 6
/** A poll is running and a flush follows it at once: inputs owe nothing more. */
const SERVICING = 7
/** Released: nothing runs again. */
const CLOSED = 8
const NAMES = [
  'idle',
  'turnFlush',
  'turnService',
  'batch',
  'batchReplied',
  'batchFlush',
  'batchService',
  'servicing',
  'closed',
]

/** Packets written per native send call; the flush loops until fewer come back. */
const MAX_PACKETS = 64
/** Packets one flush sends before the event loop gets a turn (quinn's MAX_TRANSMIT_DATAGRAMS idea). */
const MAX_BURST = 128
/** Bytes per packet slot in the scratch buffer (the largest UDP payload we send, rounded up). */
const SLOT = 1500
/** `flushToFd`'s report: ms until the timeout, draining / closed flags. */
const flushState = new Float64Array(2)
const sendScratch = Buffer.allocUnsafe(MAX_PACKETS * SLOT)
const sendMeta = new Uint32Array(1 + 2 * MAX_PACKETS)

/**
 * What a flush that was to end in `next` owes when it stops early: another flush, or a poll and a
 * flush (`poll`), at the end of the turn or of the batch.
 * @param {number} next @param {boolean} poll
 */
function owedAfter(next, poll) {
  if (next === TURN_SERVICE || next === BATCH_SERVICE) return next
  const batch = next === BATCH_REPLIED
  if (poll) return batch ? BATCH_SERVICE : TURN_SERVICE
  return batch ? BATCH_FLUSH : TURN_FLUSH
}

/**
 * What the driver needs of its connection.
 * @typedef {object} DriverHost
 * @property {import('./native/binding').Connection} native
 * @property {number} handle
 * @property {import('./QUICSocket.js')} socket
 * @property {(err: Error | null) => void} onSent
 * @property {() => void} poll reads everything quiche reports (streams, state, datagrams)
 * @property {(flags: number) => void} settle after a flush: the draining / closed flags it saw (-1: ask)
 * @property {(err: Error) => void} handleSendError
 * @property {() => number} keepAliveAt when a PING is due (clock.now() ms; Infinity: none)
 * @property {() => void} keepAlive the keep-alive deadline passed
 */

class ConnectionDriver {
  /** @param {DriverHost} host */
  constructor(host) {
    this.host = host
    /** One of the states above. */
    this.state = IDLE
    /** The queued turn (`clock.setImmediate`). @type {unknown} */
    this.immediate = null
    /** @type {unknown} */
    this.timer = null
    /** When the connection next needs its timer (ms, `clock.now()`). */
    this.deadline = Infinity
    /** When the armed timer fires (at or before `deadline`). */
    this.timerAt = Infinity
    /** What the batch's early reply flush returned (see `batchEnd`). */
    this.repliedFlags = -1
    this.destGeneration = -1
    /** @type {{ host: string, port: number }[]} */
    this.dests = []
    /** The invariant's checker and the recent events it reports (checking mode only). */
    this.checker = ConnectionDriver.checking ? new DriverCheck(this) : null
    /** Packets the last flush sent. */
    this.lastSent = 0
    this.runTurn = () => {
      this.immediate = null
      const s = this.state
      if (s === TURN_SERVICE) this.service()
      else if (s === TURN_FLUSH) this.flushAndSettle()
    }
    this.onTimer = () => {
      this.timer = null
      const now = clock.now()
      // Early (the deadline moved since the timer was set): wait for the real one.
      if (now < this.deadline - 1) {
        this.arm()
        return
      }
      this.note('timer')
      if (now >= this.host.keepAliveAt()) this.host.keepAlive()
      this.host.native.onTimeout()
      this.service()
    }
  }

  /** The state's name, with the timer (for reports). */
  describe() {
    const t = this.timer == null ? null : Math.round(this.timerAt - clock.now())
    return `${NAMES[this.state]}, timer ${t == null ? 'none' : `in ${t} ms`}`
  }

  /**
   * Something went into quiche that may need packets (data written, credit returned by a read,
   * a stream opened or shut down, a datagram queued). Outside a received batch the flush comes at
   * the end of this turn, shared by every write of the turn (many small streams fill packets
   * together). In a batch it comes when the batch ends, after the listeners' microtasks, except
   * for the batch's first `reply` (data written), which leaves at once with the batch's ACKs
   * rather than after whatever else the listeners do (a request-response peer answers a round
   * trip sooner), unless it was written inside the poll itself.
   * @param {boolean} [reply] stream data or a datagram was queued
   * @param {boolean} [polling] the caller is inside a poll
   * @transmits
   */
  owe(reply = false, polling = false) {
    switch (this.state) {
      case IDLE:
        this.turn(TURN_FLUSH, 'owe')
        return
      case BATCH:
        if (reply && !polling) {
          this.note('reply')
          this.repliedFlags = this.flushPackets(BATCH_REPLIED)
        }
        return
      case BATCH_REPLIED:
        this.to(BATCH_FLUSH, 'owe')
        return
      default:
        // TURN_*, BATCH_FLUSH, BATCH_SERVICE, SERVICING: a flush is already owed; CLOSED: nothing runs.
        return
    }
  }

  /** Something went into quiche that the connection must poll for (a datagram received). */
  oweService() {
    switch (this.state) {
      case IDLE:
      case TURN_FLUSH:
        this.turn(TURN_SERVICE, 'oweService')
        return
      case BATCH:
      case BATCH_REPLIED:
      case BATCH_FLUSH:
        this.to(BATCH_SERVICE, 'oweService')
        return
      default:
        return
    }
  }

  /**
   * The native receive path fed this connection's datagrams to quiche: poll now; the flush waits
   * for `batchEnd`, after the listeners' microtasks, so the ACKs leave with the replies.
   * `deferFlush` false (during the handshake): flush at once too, since the user may close the
   * connection as soon as it is handed out and quiche will not send a close before its reply.
   */
  batchStart(deferFlush = true) {
    if (this.state === CLOSED) return
    if (!deferFlush) {
      this.service()
      return
    }
    // A turn's queued flush or service is done by the batch's own.
    const owed = this.state === TURN_SERVICE ? BATCH_SERVICE : BATCH
    if (this.immediate != null) {
      clock.clearImmediate(this.immediate)
      this.immediate = null
    }
    this.to(owed, 'batch')
    this.host.poll()
  }

  /** After `batchStart`, once the listeners' microtasks ran: one flush for all of the batch. */
  batchEnd() {
    switch (this.state) {
      case BATCH:
      case BATCH_FLUSH:
        this.flushAndSettle()
        return
      case BATCH_REPLIED:
        // The reply took the batch's ACKs and nothing was owed after it: no second send.
        this.to(IDLE, 'batchEnd')
        this.idle()
        this.host.settle(this.repliedFlags)
        return
      case BATCH_SERVICE:
        this.service()
        return
      default:
        return
    }
  }

  /** Polls, then flushes (and settles). */
  service() {
    if (this.state === CLOSED) return
    this.to(SERVICING, 'service')
    this.host.poll()
    this.flushAndSettle()
  }

  /** Flushes and settles (the end of a turn or of a batch). */
  flushAndSettle() {
    if (this.state === CLOSED) return
    this.host.settle(this.flushPackets(IDLE))
  }

  /**
   * Flushes now (a close, a rejected certificate), keeping what is owed besides: a queued poll
   * stays queued, and a batch still ends with its own flush only if something is owed after this
   * one. Returns the flags as `flushPackets`.
   */
  flushNow() {
    const s = this.state
    if (s === CLOSED) return -1
    if (s === TURN_SERVICE || s === BATCH_SERVICE) return this.flushPackets(s)
    if (s === BATCH || s === BATCH_REPLIED || s === BATCH_FLUSH) {
      this.repliedFlags = this.flushPackets(BATCH_REPLIED)
      return this.repliedFlags
    }
    return this.flushPackets(IDLE)
  }

  /**
   * Sends what is ready in bounded bursts, re-arms the timer and moves to `next`: IDLE,
   * BATCH_REPLIED (a batch's early reply), or TURN_SERVICE / BATCH_SERVICE (a poll still owed).
   * A burst cut short, or a send that failed, owes a flush (or a poll) instead. Returns the
   * draining / closed flags when the native send reported them, else -1 (see `settle`).
   * @param {number} next
   */
  flushPackets(next) {
    if (this.immediate != null) {
      // This flush sends what the queued one would have.
      clock.clearImmediate(this.immediate)
      this.immediate = null
    }
    const host = this.host
    this.to(next, 'flush')
    const fd = host.socket.fd
    // flushToFd reports the timeout and the state after its send: no further calls for them.
    let fresh = false
    let sent = 0
    // The clock read before the native call: quiche's timeout is relative to a moment inside
    // it, and a pause after it returns (GC) must not push the timer past quiche's deadline.
    let before = 0
    for (;;) {
      if (sent >= MAX_BURST) {
        // Yield so ACKs and the peer's data get in between bursts; the rest goes next.
        this.to(owedAfter(next, false), 'burst')
        break
      }
      let n
      try {
        if (fd >= 0) {
          before = clock.now()
          n = fast.flushToFd(host.handle, fd, MAX_PACKETS, flushState)
          fresh = true
        } else n = this.sendThroughDgram()
      } catch (e) {
        fresh = false
        // A socket error (unreachable peer) is reported once and the rest goes next (quiche
        // counts what the socket refused as lost). Anything else means quiche closed the
        // connection, which a poll reports.
        const io = /** @type {any} */ (e)?.code === 'ERR_QUIC_IO'
        if (io) host.handleSendError(/** @type {Error} */ (e))
        this.to(owedAfter(next, !io), 'sendError')
        break
      }
      sent += n
      if (n < MAX_PACKETS) break
    }
    this.lastSent = sent
    this.checker?.note(`sent ${sent}`)
    if (this.state === TURN_FLUSH || this.state === TURN_SERVICE) this.turn(this.state, 'owed')
    else if (this.state === IDLE) this.idle()
    if (!fresh) {
      this.arm()
      return -1
    }
    this.arm(flushState[0], before)
    return flushState[1]
  }

  /** One burst through `dgram.send`, for platforms without batched native sends. Returns the packet count. */
  sendThroughDgram() {
    const host = this.host
    // One scratch area for every connection: flushes run one at a time and copy out what they wrote.
    const n = host.native.send(sendScratch, sendMeta)
    if (n === 0) return 0
    if (sendMeta[0] !== this.destGeneration) {
      this.destGeneration = sendMeta[0]
      this.dests = host.native.destinations()
    }
    let size = 0
    for (let i = 0; i < n; i++) size += sendMeta[1 + 2 * i]
    // dgram reads the bytes after this returns (DNS step, full socket queue): hand it a copy.
    const out = Buffer.allocUnsafe(size)
    sendScratch.copy(out, 0, 0, size)
    let off = 0
    for (let i = 0; i < n; i++) {
      const len = sendMeta[1 + 2 * i]
      const to = this.dests[sendMeta[2 + 2 * i]]
      host.socket.sendPacket(len === size ? out : out.subarray(off, off + len), to.port, to.host, host.onSent)
      off += len
    }
    return n
  }

  /**
   * Sets the timer. Without arguments quiche is asked; the clock is always read before quiche
   * measured its timeout, so the timer errs early (and re-arms), never late.
   * @param {number | null} [t] ms until quiche's timeout (null or -1: none)
   * @param {number} [now] clock.now() read before quiche measured `t`
   */
  arm(t, now) {
    if (this.state === CLOSED) return
    if (now === undefined) {
      now = clock.now()
      t = this.host.native.timeout()
    }
    const deadline = Math.min(t == null || t < 0 ? Infinity : now + t, this.host.keepAliveAt())
    this.deadline = deadline
    // Each ACK moves the deadline a little later: a timer already due before it is kept (it fires
    // early and re-arms) rather than cleared and set again on every flush.
    if (this.timer != null) {
      if (deadline !== Infinity && this.timerAt <= deadline) return
      clock.clearTimeout(this.timer)
      this.timer = null
    }
    if (deadline === Infinity) return
    this.timerAt = deadline
    this.timer = clock.setTimeout(this.onTimer, Math.max(0, Math.ceil(deadline - clock.now())))
  }

  /** Nothing runs again: the timer and any queued turn are dropped. */
  close() {
    if (this.immediate != null) clock.clearImmediate(this.immediate)
    this.immediate = null
    if (this.timer != null) clock.clearTimeout(this.timer)
    this.timer = null
    this.to(CLOSED, 'close')
  }

  /** Moves to TURN_FLUSH or TURN_SERVICE, with the turn's immediate queued. @param {number} state @param {string} why */
  turn(state, why) {
    this.to(state, why)
    if (this.immediate == null) this.immediate = clock.setImmediate(this.runTurn)
  }

  /** @param {number} state @param {string} why */
  to(state, why) {
    if (this.checker != null && state !== this.state)
      this.checker.note(`${why}: ${NAMES[this.state]} -> ${NAMES[state]}`)
    this.state = state
  }

  /** Records an event for a violation's report (checking mode only). @param {string} what */
  note(what) {
    this.checker?.note(what)
  }

  /** Whether nothing is owed (IDLE). */
  isIdle() {
    return this.state === IDLE
  }

  /** A flush that leaves the driver IDLE (the check's). */
  flushIdle() {
    this.flushPackets(IDLE)
  }

  /** The driver went idle: in checking mode, quiche is asked at the end of the turn whether it agrees. */
  idle() {
    if (ConnectionDriver.checking) this.checker?.idle()
  }
}

/** Whether every IDLE state is checked against quiche (tests; each check costs a flush). */
ConnectionDriver.checking = process.env.QUIC_CHECK_DRIVER === '1'

module.exports = ConnectionDriver
