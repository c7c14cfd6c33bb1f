// @ts-check
'use strict'
// A user's project made from the packed tarballs, shared by the packaging test and the runs of
// each platform's binary under its own runtime: packing, and the README's quick start run by a
// given Node.
const { execFileSync, spawn } = require('node:child_process')
const path = require('node:path')

/** @param {string} cmd @param {string[]} args @param {string} cwd */
function run(cmd, args, cwd) {
  console.log(`$ ${cmd} ${args.join(' ')}`)
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
}

/**
 * `npm pack` in `dir` (of that folder's package, or of `spec` from the registry) into `dest`.
 * @param {string} dir @param {string} dest @param {string} [spec]
 * @returns {string} the tarball's path
 */
function pack(dir, dest, spec) {
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dest, ...(spec ? [spec] : [])], dir))
  return path.join(dest, out[0].filename)
}

/**
 * Runs the README's quick start (server.mjs and client.cjs, written into `cwd`) with `node`: the
 * server in one process until it says it listens, then the client, whose output must show the
 * echo; then the server is stopped with SIGINT and must exit cleanly.
 * @param {string} cwd
 * @param {{ cmd: string, args: string[], env?: NodeJS.ProcessEnv }} node how to run Node (under qemu, say)
 */
async function quickStart(cwd, node) {
  const [serverFile, clientFile] = ['server.mjs', 'client.cjs']
  const env = node.env ?? process.env
  console.log(`$ ${[node.cmd, ...node.args].join(' ')} ${serverFile} & … ${clientFile}`)
  const server = spawn(node.cmd, [...node.args, serverFile], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] })
  let said = ''
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${serverFile} did not start: ${said}`)), 120_000)
    server.stdout.on('data', (d) => {
      said += d
      process.stdout.write(d)
      if (said.includes('listening')) {
        clearTimeout(timer)
        resolve(undefined)
      }
    })
    server.on('exit', (code) => reject(new Error(`${serverFile} exited early (${code}): ${said}`)))
  })
  const stopped = () => {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGINT')
    return Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))])
  }
  try {
    await listening
    const out = execFileSync(node.cmd, [...node.args, clientFile], { cwd, env, encoding: 'utf8', timeout: 120_000 })
    process.stdout.write(out)
    if (!out.includes('echoed: hello')) throw new Error(`${clientFile} did not print the echo: ${out}`)
  } catch (e) {
    await stopped()
    throw e
  }
  const code = await stopped()
  if (code !== 0) throw new Error(`${serverFile} did not stop cleanly on SIGINT: ${code}`)
}

module.exports = { run, pack, quickStart }
