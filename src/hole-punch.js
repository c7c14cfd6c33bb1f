// @ts-check
'use strict'
// Hole punching: a socket sends small datagrams to a peer's address until a datagram from that
// address arrives (then both NATs have a mapping for the pair, and a QUIC connection can be made
// either way), or it gives up. The datagrams are 24 zero bytes: long enough to reach the JS
// layer through a native receiver (which drops what cannot hold a connection id), and not QUIC
// (the fixed bit is clear), so a QUIC endpoint drops them.

const { Buffer } = require('node:buffer')
const { clock } = require('./clock.js')
const errors = require('./errors.js')
const utils = require('./utils.js')

const PUNCH = Buffer.alloc(24)

/** @param {string} ip @param {number} port */
const keyOf = (ip, port) => `${utils.toCanonicalIP(ip)}:${port}`

/**
 * See QUICSocket.punch.
 * @param {import('./QUICSocket.js')} qs
 * @param {string} host
 * @param {number} port
 * @param {{ intervalTime?: number, timeout?: number, signal?: AbortSignal }} [opts]
 * @returns {Promise<void>}
 */
async function punch(qs, host, port, { intervalTime = 50, timeout = 5000, signal } = {}) {
  utils.toPort(port)
  signal?.throwIfAborted()
  const ip = utils.resolvesZeroIP(await utils.resolveHostIP(host, qs.resolveHostname))
  signal?.throwIfAborted()
  const key = keyOf(ip, port)
  /** @type {Array<() => void>} */
  const waiting = qs.punches.get(key) ?? []
  qs.punches.set(key, waiting)
  /** @type {unknown} */
  let timer
  /** @type {unknown} */
  let repeat
  /** @type {() => void} */
  let onAbort = () => {}
  /** @type {() => void} */
  let heard = () => {}
  try {
    await new Promise((resolve, reject) => {
      heard = () => {
        // One more, so a peer that began punching after our last datagram hears us too.
        qs.send(PUNCH, port, ip).catch(() => {})
        resolve(undefined)
      }
      waiting.push(heard)
      const send = () => {
        // A send that fails (no route yet, say) is tried again at the next interval.
        qs.send(PUNCH, port, ip).catch(() => {})
        repeat = clock.setTimeout(send, intervalTime)
      }
      send()
      timer = clock.setTimeout(
        () => reject(new errors.ErrorQUICSocketPunchTimeout(`no datagram from ${ip}:${port} within ${timeout} ms`)),
        timeout,
      )
      onAbort = () => reject(signal?.reason)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  } finally {
    clock.clearTimeout(timer)
    clock.clearTimeout(repeat)
    signal?.removeEventListener('abort', onAbort)
    // Heard: heardFrom took the list away already. Otherwise this punch leaves it.
    const i = waiting.indexOf(heard)
    if (i >= 0) waiting.splice(i, 1)
    if (waiting.length === 0 && qs.punches.get(key) === waiting) qs.punches.delete(key)
  }
}

/**
 * A datagram came from `rinfo`: the punches to that address are done.
 * @param {import('./QUICSocket.js')} qs
 * @param {{ address: string, port: number }} rinfo
 */
function heardFrom(qs, rinfo) {
  const key = keyOf(rinfo.address, rinfo.port)
  const waiting = qs.punches.get(key)
  if (waiting === undefined) return
  qs.punches.delete(key)
  for (const done of waiting) done()
}

module.exports = { punch, heardFrom }
