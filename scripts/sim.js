// @ts-check
'use strict'
// Deterministic simulation: each seed is a whole connection, both sides and the whole library,
// run in this process over a simulated network on a virtual clock (tests/sim/): no sockets, no
// wall time. A seed that fails is printed with why and both sides' state, and replays the same.
//
//   npm run sim -- --seeds 100000 [--from 1] [--jobs <cores>]
//   npm run sim -- --seed 4242 [--qlog <dir>]     one seed, with both sides' qlog traces
//
// Exits 1 if any seed failed.
const os = require('node:os')
const { fork } = require('node:child_process')

/** @param {string} name @param {number} fallback */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

/** @param {string} name */
function text(name) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

/**
 * Runs seeds `from`, `from + step`, ... below `end`; reports each failure as it comes.
 * @param {number} from @param {number} end @param {number} step @param {string | undefined} qlogDir
 */
async function runSeeds(from, end, step, qlogDir) {
  const { runSeed } = require('../tests/sim/scenario.js')
  let failed = 0
  let steps = 0
  let count = 0
  /** Failures by kind (see scenario.js). @type {Record<string, number>} */
  const kinds = {}
  for (let seed = from; seed < end; seed += step) {
    const r = await runSeed(seed, { qlogDir })
    count++
    steps += r.steps
    if (!r.ok) {
      failed++
      kinds[r.kind] = (kinds[r.kind] ?? 0) + 1
      console.log(`FAIL seed ${seed} [${r.kind}] (${r.virtualMs.toFixed(0)} virtual ms): ${r.why}\n${r.report}`)
    }
  }
  return { count, failed, steps, kinds }
}

async function main() {
  const t0 = performance.now()
  const one = text('seed')
  if (one !== undefined) {
    const qlogDir = text('qlog')
    if (qlogDir !== undefined) require('node:fs').mkdirSync(qlogDir, { recursive: true })
    const r = await runSeeds(Number(one), Number(one) + 1, 1, qlogDir)
    console.log(`sim: seed ${one} ${r.failed === 0 ? 'passed' : 'failed'}${qlogDir ? `; qlog in ${qlogDir}` : ''}`)
    process.exit(r.failed === 0 ? 0 : 1)
  }
  const from = arg('from', 1)
  const seeds = arg('seeds', 1000)
  const jobs = Math.max(1, Math.min(arg('jobs', os.availableParallelism()), seeds))
  if (process.env.SIM_WORKER != null) {
    const [k, n] = process.env.SIM_WORKER.split('/').map(Number)
    const r = await runSeeds(from + k, from + seeds, n, undefined)
    process.send?.(r)
    return
  }
  const results = await Promise.all(
    Array.from({ length: jobs }, (_, k) => {
      const child = fork(__filename, process.argv.slice(2), { env: { ...process.env, SIM_WORKER: `${k}/${jobs}` } })
      return new Promise((resolve, reject) => {
        /** @type {any} */
        let r = null
        child.on('message', (m) => {
          r = m
        })
        child.on('exit', (code) => (r != null ? resolve(r) : reject(new Error(`sim worker ${k} exited with ${code}`))))
      })
    }),
  )
  /** @type {Record<string, number>} */
  const kinds = {}
  for (const r of results) for (const [k, n] of Object.entries(r.kinds)) kinds[k] = (kinds[k] ?? 0) + n
  const total = results.reduce((a, r) => ({
    count: a.count + r.count,
    failed: a.failed + r.failed,
    steps: a.steps + r.steps,
  }))
  const s = (performance.now() - t0) / 1000
  const byKind = Object.entries(kinds)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
  console.log(
    `sim: ${total.failed} of ${total.count} seeds failed${byKind === '' ? '' : ` (${byKind})`} ` +
      `(seeds ${from} to ${from + seeds - 1}), ${s.toFixed(1)} s, ${jobs} jobs, ${Math.round(total.steps / s)} events/s`,
  )
  process.exit(total.failed > 0 ? 1 : 0)
}

main()
