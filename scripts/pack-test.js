// @ts-check
'use strict'
// The packaging test: what a user gets from npm, tried as a user would. Packs the root package
// and this platform's binary package from the checkout (built first with `npm run build`),
// installs the tarballs into a fresh project outside the checkout, and there checks: the error
// when the binary package is missing; `require` and ESM `import`; a strict TypeScript compile
// (`skipLibCheck: false`, `node16`, `nodenext` and `bundler` resolution, without the DOM lib and
// with it) of the README's
// TypeScript example and of typed event listeners; and the README's quick start as written
// (certificate recipe, server and client in two processes).
//
//   node scripts/pack-test.js [--keep]
//
// Needs the npm registry (or npm's cache) for the package's dependencies and TypeScript.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { platformOf } = require('../src/native/load.js')
const { readmeFiles } = require('./readme-files.js')
const { run, pack, quickStart } = require('./user-project.js')

const root = path.join(__dirname, '..')
const keep = process.argv.includes('--keep')
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const { suffix } = platformOf()

async function main() {
  const platformDir = path.join(root, 'packages', suffix)
  const binary = path.join(platformDir, `quic.${suffix}.node`)
  if (!fs.existsSync(binary)) throw new Error(`no ${binary}: run \`npm run build\` first`)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quic-pack-'))
  const project = path.join(work, 'project')
  fs.mkdirSync(project)
  try {
    const rootTgz = pack(root, work)
    const platformTgz = pack(platformDir, work)
    const listed = run('tar', ['-tzf', rootTgz], work)
    for (const needed of ['package/LICENSE', 'package/THIRD_PARTY_NOTICES.md', 'package/src/native/binding.d.ts']) {
      if (!listed.split('\n').includes(needed)) throw new Error(`the root tarball lacks ${needed}`)
    }
    const listedBinary = run('tar', ['-tzf', platformTgz], work)
    for (const needed of ['package/LICENSE', 'package/THIRD_PARTY_NOTICES.md', `package/quic.${suffix}.node`]) {
      if (!listedBinary.split('\n').includes(needed)) throw new Error(`the platform tarball lacks ${needed}`)
    }
    const devVersion = (/** @type {string} */ name) => rootPkg.devDependencies[name]
    fs.writeFileSync(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'quic-user', version: '1.0.0', private: true }, null, 2)}\n`,
    )
    const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline']
    // The root package alone: loading must fail with the one error that says what to do.
    run('npm', [...npmInstall, rootTgz], project)
    const bare = spawnSync(process.execPath, ['-e', "require('@matrixai/quic')"], { cwd: project, encoding: 'utf8' })
    const loadError = bare.stderr
    if (bare.status === 0) throw new Error('@matrixai/quic loaded without its platform package')
    for (const part of [`@matrixai/quic-${suffix}`, 'not installed', 'Supported platforms', 'npm run build']) {
      if (!loadError.includes(part)) throw new Error(`the load error lacks "${part}":\n${loadError}`)
    }
    console.log('without the binary package: the load error names the package, the platforms and the build')
    run(
      'npm',
      [
        ...npmInstall,
        platformTgz,
        `typescript@${devVersion('typescript')}`,
        `@types/node@${devVersion('@types/node')}`,
      ],
      project,
    )
    run(
      process.execPath,
      ['-e', "const q = require('@matrixai/quic'); if (typeof q.QUICServer !== 'function') process.exit(1)"],
      project,
    )
    run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { QUICServer, events } from '@matrixai/quic'; if (typeof QUICServer !== 'function' || !events) process.exit(1)",
      ],
      project,
    )
    // The README's files, as written.
    const files = readmeFiles(fs.readFileSync(path.join(root, 'README.md'), 'utf8'))
    for (const [name, text] of files) fs.writeFileSync(path.join(project, name), text)
    for (const name of ['server.mjs', 'client.cjs', 'client.ts', 'certificate.sh']) {
      if (!files.has(name)) throw new Error(`README.md has no \`${name}\` block`)
    }
    fs.writeFileSync(path.join(project, 'typed-events.ts'), fs.readFileSync(path.join(root, 'tests', 'types-user.ts')))
    const strict = {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      lib: ['es2022'],
      target: 'es2022',
    }
    for (const [name, options] of /** @type {const} */ ([
      ['tsconfig.node16.json', { module: 'node16', moduleResolution: 'node16' }],
      ['tsconfig.nodenext.json', { module: 'nodenext', moduleResolution: 'nodenext' }],
      ['tsconfig.bundler.json', { module: 'esnext', moduleResolution: 'bundler' }],
      // A browser-minded project has the DOM lib too: its Event and stream types must agree.
      ['tsconfig.dom.json', { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'] }],
    ])) {
      const tsconfig = { compilerOptions: { ...strict, ...options }, files: ['client.ts', 'typed-events.ts'] }
      fs.writeFileSync(path.join(project, name), JSON.stringify(tsconfig, null, 2))
      run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', name], project)
    }
    run('sh', ['certificate.sh'], project)
    await quickStart(project, { cmd: process.execPath, args: [] })
    console.log('packaging test passed')
  } finally {
    if (keep) console.log(`kept ${work}`)
    else fs.rmSync(work, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
