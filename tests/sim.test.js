// @ts-check
'use strict'
// The deterministic simulation (tests/sim/, `npm run sim`) as part of `npm test`: a slice of
// seeds, every seed that ever failed, and a replay check. Each seed is a whole connection, both
// sides and the whole library, over a simulated network on a virtual clock, with the driver's
// invariant checked at every idle turn.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { runSeed } = require('./sim/scenario.js')

/** Seeds that once failed, with what they found; they stay here. */
const FOUND = [
  // quiche sent ACK-only Handshake packets without end: a client closing with an application
  // error while a Handshake-space probe was due (patches/quiche-0.30.0-closing-probe-loop.patch).
  803, 818,
  // quiche's ACK delay read the wall clock (`Instant::elapsed`): the driver check then found a
  // packet due that a flush at the same virtual time had not sent (patch virtual-env).
  616,
  // A NAT rebinding while the client only waited to read: the server could not reach it (the
  // sim's clients behind a rebinding NAT now send keep-alives, as real ones must).
  637, 1660, 2194,
  // An empty stream the server was to cancel once it had read half of it (the workload's own bug).
  556,
  // quiche's send() said Done while a Handshake-space probe was ready; the next call sent it
  // (patches/quiche-0.30.0-send-done-early.patch).
  8580,
  // A client whose handshake was complete but not confirmed (HANDSHAKE_DONE lost) probed only in
  // Handshake packets, which the server could no longer read; after a NAT rebinding the
  // connection ended at its idle timeout (patches/quiche-0.30.0-unconfirmed-probe-1rtt.patch).
  8989, 45067, 45402, 46446, 52108, 56825, 62953, 65374, 67709, 73556, 90883,
]

/** Runs seeds in order; returns the failures' reports. @param {Iterable<number>} seeds */
async function failures(seeds) {
  const out = []
  for (const seed of seeds) {
    const r = await runSeed(seed)
    if (!r.ok) out.push(`seed ${seed}: ${r.why}\n${r.report}`)
  }
  return out
}

const SLICE = Number(process.env.SIM_SEEDS ?? 3000)

test(`simulation: ${SLICE} seeds of lossy, reordered, rebinding networks and cancelled streams, no failure`, () => {
  // In worker processes, one per core (`npm run sim`): the rest of npm test runs on one.
  const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'sim.js'), '--seeds', String(SLICE)], {
    encoding: 'utf8',
    timeout: 20 * 60_000,
  })
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`)
  assert.match(run.stdout, new RegExp(`sim: 0 of ${SLICE} seeds failed`))
})

test('simulation: every seed that once failed passes', async () => {
  assert.deepEqual(await failures(FOUND), [])
})

test('simulation: a seed replays event for event (virtual clock, seeded network and quiche randomness)', async () => {
  for (const seed of [6, 803, 1787]) {
    const a = await runSeed(seed)
    const b = await runSeed(seed)
    assert.deepEqual([b.steps, b.virtualMs], [a.steps, a.virtualMs], `seed ${seed}`)
  }
})
