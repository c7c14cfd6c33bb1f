// @ts-check
'use strict'
// The benchmark suite: every scenario against this library, node:tls, node:http2, raw dgram and
// the published @matrixai/quic 2.0.9, each side in its own process, on loopback. Prints one JSON
// line per result, then a markdown table of medians with ratios, and keeps both in benches/results/.
// `npm run bench [-- --runs 3 --only bulk,rtt --impls quic,tls]`
const { execFileSync, fork } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const scenarios = require('./scenarios.js')

const args = process.argv.slice(2)
const opt = (/** @type {string} */ name, /** @type {string} */ dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const runs = Number(opt('runs', '3'))
const only = opt('only', Object.keys(scenarios).join(',')).split(',')
const impls = opt('impls', 'quic,quic-web,tls,http2,http3,dgram,legacy').split(',')
// --pin: server on CPU 0, client on CPU 1 (Linux, taskset). Unpinned, a round trip costs much
// less when the scheduler happens to put both processes on one core (no cross-core wake-up):
// node:tls ping-pong p50 measured 39 and 154 µs in two runs on this 2-core VM.
const pin = args.includes('--pin')

/** Which scenarios each implementation runs, and size overrides where a full run would take minutes. */
const matrix = {
  quic: { bulk: {}, echo: {}, rtt: {}, handshakes: {}, handshakesConcurrent: {}, streams: {}, idle: {} },
  // The same library through its Web Streams (readable / writable) instead of read / write / end.
  'quic-web': { bulk: {}, echo: {}, rtt: {}, streams: {} },
  tls: { bulk: {}, echo: {}, rtt: {}, handshakes: {}, handshakesConcurrent: {}, idle: {} },
  http2: { bulk: {}, download: {}, echo: {}, rtt: {}, handshakes: {}, handshakesConcurrent: {}, streams: {}, idle: {} },
  // This library's HTTP/3 (@matrixai/quic/http3) beside node:http2: the same requests.
  http3: { bulk: {}, download: {}, echo: {}, handshakes: {}, streams: {} },
  dgram: { bulk: {} },
  // 2.x moves about 0.5 MB/s: smaller sizes, reported as rates.
  legacy: {
    bulk: { bytes: 8 * 1024 * 1024 },
    echo: { bytes: 2 * 1024 * 1024 },
    rtt: { count: 300 },
    handshakes: { count: 30 },
    handshakesConcurrent: { count: 10 },
    streams: { count: 200 },
    idle: { count: 50 },
  },
}
const TIMEOUT = 180_000
/** `--profile DIR`: every peer writes a V8 CPU profile (.cpuprofile) there. */
const profileDir = opt('profile', '')
const profileArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : []

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {(m: any) => boolean} pred
 */
function next(child, pred) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), TIMEOUT)
    /** @param {any} m */
    const on = (m) => {
      if (m.error) {
        clearTimeout(timer)
        child.off('message', on)
        reject(new Error(m.error))
      } else if (pred(m)) {
        clearTimeout(timer)
        child.off('message', on)
        resolve(m)
      }
    }
    child.on('message', on)
    child.once('exit', (code) => code !== 0 && reject(new Error(`peer exited with ${code}`)))
  })
}

/** Pins every thread of `pid` to `cpu` (with --pin). @param {number | undefined} pid @param {number} cpu */
function pinTo(pid, cpu) {
  if (pin && pid !== undefined)
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
}

/** @param {string} impl @param {string} scenario @param {object} params */
async function once(impl, scenario, params) {
  const peer = path.join(__dirname, 'peer.js')
  const server = fork(peer, [impl, 'server', scenario], {
    execArgv: ['--expose-gc', ...profileArgs],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  try {
    const { port } = /** @type {any} */ (await next(server, (m) => m.port != null))
    pinTo(server.pid, 0)
    let rss0 = 0
    if (scenario === 'idle') {
      server.send({ cmd: 'rss' })
      rss0 = /** @type {any} */ (await next(server, (m) => m.rss != null)).rss
    }
    const client = fork(peer, [impl, 'client', scenario], {
      execArgv: profileArgs,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    try {
      await next(client, (m) => m.ready)
      pinTo(client.pid, 1)
      client.send({ port, params })
      const { result } = /** @type {any} */ (await next(client, (m) => m.result != null))
      if (scenario === 'idle') {
        server.send({ cmd: 'rss' })
        const { rss } = /** @type {any} */ (await next(server, (m) => m.rss != null))
        result.rssPerConnectionKiB = (rss - rss0) / 1024 / result.count
        client.send({ cmd: 'release' })
        await next(client, (m) => m.done)
      }
      if (scenario === 'bulk' || scenario === 'echo') {
        server.send({ cmd: 'cpu' })
        const { cpu } = /** @type {any} */ (await next(server, (m) => m.cpu != null))
        // The server's CPU includes its start-up; the client's covers the transfer only.
        result.cpuServer = cpu
        // Per MB moved: an echo moves its payload twice.
        const moved = (scenario === 'echo' ? 2 : 1) * (result.bytes / 1024 / 1024)
        result.cpuSecondsPerMB = (result.cpuClient + cpu) / moved
      }
      return result
    } finally {
      // A profiled client writes its profile as it exits: let it.
      if (profileDir && client.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 5000).unref() && client.once('exit', resolve))
      client.kill()
    }
  } finally {
    server.send({ cmd: 'stop' })
    setTimeout(() => server.kill(), 2000).unref()
  }
}

/** The headline number of a result, and whether higher is better. @param {string} scenario @param {any} r */
function headline(scenario, r) {
  switch (scenario) {
    case 'bulk':
    case 'echo':
      return { value: r.mbPerSecond, unit: 'MB/s', higher: true }
    case 'rtt':
      return { value: r.p50us, unit: 'µs p50', higher: false }
    case 'handshakes':
    case 'handshakesConcurrent':
    case 'streams':
      return { value: r.perSecond, unit: '/s', higher: true }
    case 'idle':
      return { value: r.rssPerConnectionKiB, unit: 'KiB/conn', higher: false }
    default:
      return { value: NaN, unit: '', higher: true }
  }
}

/**
 * The list at `table[a][b]`, made empty if missing.
 * @template T @param {Record<string, Record<string, T[]>>} table @param {string} a @param {string} b
 */
function listAt(table, a, b) {
  if (table[a] == null) table[a] = {}
  if (table[a][b] == null) table[a][b] = []
  return table[a][b]
}

const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  const machine = {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    pinned: pin,
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true })
  const jsonl = path.join(__dirname, 'results', `${stamp}.jsonl`)
  /** @type {Record<string, Record<string, number[]>>} */
  const values = {}
  /** @type {Record<string, Record<string, any[]>>} */
  const raw = {}
  /** The last error of each scenario and implementation. @type {Record<string, Record<string, string>>} */
  const failures = {}
  for (let run = 0; run < runs; run++) {
    for (const scenario of only) {
      for (const impl of impls) {
        const overrides = /** @type {any} */ (matrix)[impl]?.[scenario]
        if (overrides == null) continue
        const params = { .../** @type {any} */ (scenarios)[scenario], ...overrides }
        let line
        try {
          const result = await once(impl, scenario, params)
          line = { run, scenario, impl, params, ...result, machine }
          listAt(values, scenario, impl).push(headline(scenario, result).value)
          listAt(raw, scenario, impl).push(result)
        } catch (e) {
          line = { run, scenario, impl, params, error: String(/** @type {Error} */ (e).message), machine }
          failures[scenario] = { ...failures[scenario], [impl]: line.error }
        }
        console.log(JSON.stringify(line))
        fs.appendFileSync(jsonl, `${JSON.stringify(line)}\n`)
      }
    }
  }
  const rows = [`| scenario | impl | median | unit | vs quic | CPU s/MB |`, `| --- | --- | --- | --- | --- | --- |`]
  for (const scenario of only) {
    const base = values[scenario]?.quic ? median(values[scenario].quic) : NaN
    for (const impl of impls) {
      const vs = values[scenario]?.[impl]
      if (vs == null) {
        // Every run failed: said in the table, not left out of it.
        const why = failures[scenario]?.[impl]
        if (why != null) rows.push(`| ${scenario} | ${impl} | failed | ${why} | | |`)
        continue
      }
      const m = median(vs)
      const h = headline(scenario, raw[scenario][impl][0])
      // Ratios read as "quic is N× better" (> 1 is a win for this library).
      const ratio = h.higher ? base / m : m / base
      const cpu =
        scenario === 'bulk' || scenario === 'echo'
          ? median(raw[scenario][impl].map((r) => r.cpuSecondsPerMB)).toFixed(4)
          : ''
      rows.push(
        `| ${scenario} | ${impl} | ${m.toFixed(m < 10 ? 2 : 1)} | ${h.unit} | ${impl === 'quic' ? '1' : `${ratio.toFixed(2)}×`} | ${cpu} |`,
      )
    }
  }
  const table = `Benchmarks ${stamp} (${runs} runs, medians; "vs quic" > 1 means this library is better)\n\nMachine: ${JSON.stringify(machine)}\n\n${rows.join('\n')}\n`
  fs.writeFileSync(path.join(__dirname, 'results', `${stamp}.md`), table)
  console.log(`\n${table}`)
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
