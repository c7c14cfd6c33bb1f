// @ts-check
'use strict'
// Runs @matrixai/quic 2.x's own public-API tests (MatrixAI/js-quic's `tests/*.test.ts`) against
// this package, as a 2.x user switching versions would: Jest in ES module mode, `@/X` mapped to
// `@matrixai/quic/X`, the tests' own dependencies from npm. Nothing of 2.x is kept here: give it a
// checkout (or a bare clone) of js-quic. Its native tests (`tests/native/`) test 2.x's raw binding
// and are left out. Prints each file's count and the failing tests; exits 1 if any failed.
//
//   node scripts/compat-2x.js <js-quic checkout or git dir> [work dir]

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
const [source, workArg] = process.argv.slice(2)
if (source == null) {
  console.error('usage: node scripts/compat-2x.js <js-quic checkout or git dir> [work dir]')
  process.exit(2)
}
const work = workArg ?? fs.mkdtempSync(path.join(os.tmpdir(), 'quic-compat-2x-'))
fs.mkdirSync(path.join(work, 'tmp'), { recursive: true })

// The tests, from a work tree or from a bare repository's HEAD.
if (fs.existsSync(path.join(source, 'tests'))) {
  fs.cpSync(path.join(source, 'tests'), path.join(work, 'tests'), { recursive: true })
} else {
  const tar = execFileSync('git', ['--git-dir', source, 'archive', 'HEAD', 'tests'])
  execFileSync('tar', ['x', '-C', work], { input: tar })
}
// Jest's ES module mode has no `jest` global: the setup file provides it.
fs.writeFileSync(
  path.join(work, 'tests', 'setupAfterEnv.ts'),
  "import { jest } from '@jest/globals';\n(globalThis as any).jest = jest;\njest.setTimeout((globalThis as any).defaultTimeout);\n",
)
const modules = (/** @type {string} */ p) => `<rootDir>/node_modules/${p}`
fs.writeFileSync(
  path.join(work, 'jest.config.js'),
  `module.exports = ${JSON.stringify(
    {
      testEnvironment: 'node',
      roots: ['<rootDir>/tests'],
      testMatch: ['**/?(*.)+(test).ts'],
      testPathIgnorePatterns: ['/native/'],
      extensionsToTreatAsEsm: ['.ts'],
      transform: {
        '^.+\\.ts$': [
          '@swc/jest',
          {
            jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022', keepClassNames: true },
            module: { type: 'es6' },
          },
        ],
      },
      globals: { projectDir: work, testDir: path.join(work, 'tests'), defaultTimeout: 20000, maxTimeout: 2 ** 31 - 1 },
      setupFiles: ['<rootDir>/tests/setup.ts'],
      setupFilesAfterEnv: ['jest-extended/all', '<rootDir>/tests/setupAfterEnv.ts'],
      moduleNameMapper: {
        // One copy of async-init for the tests and the package, as npm would install it.
        '^@matrixai/async-init$': modules('@matrixai/async-init/dist/index.js'),
        '^@matrixai/async-init/(.*)$': modules('@matrixai/async-init/dist/$1'),
        '^@peculiar/webcrypto$': modules('@peculiar/webcrypto/build/webcrypto.js'),
        '^@$': '@matrixai/quic',
        '^@/(.*)$': '@matrixai/quic/$1',
      },
    },
    null,
    2,
  )}\n`,
)
fs.writeFileSync(path.join(work, 'package.json'), '{ "name": "quic-compat-2x", "private": true }\n')
const deps = [
  'jest@29',
  '@jest/globals@29',
  '@swc/core@1',
  '@swc/jest@0.2',
  '@fast-check/jest@1',
  'fast-check@3',
  'jest-extended@4',
  '@matrixai/logger@4',
  '@matrixai/async-init@2',
  '@peculiar/x509@1',
  '@peculiar/webcrypto@1',
  '@noble/ed25519@1',
  `file:${ROOT}`,
]
execFileSync('npm', ['install', '--no-audit', '--no-fund', ...deps], { cwd: work, stdio: 'inherit' })

let failed = 0
for (const file of fs.readdirSync(path.join(work, 'tests')).filter((f) => f.endsWith('.test.ts'))) {
  const r = spawnSync('npx', ['jest', '--forceExit', `tests/${file}`], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
    timeout: 600_000,
  })
  const out = `${r.stdout}${r.stderr}`
  const summary = /^Tests:.*$/m.exec(out)?.[0] ?? 'no summary (timed out?)'
  console.log(`${file}: ${summary}`)
  for (const line of out.split('\n').filter((l) => l.includes('✕'))) console.log(`  ${line.trim()}`)
  if (r.status !== 0) failed++
}
console.log(`work dir: ${work}`)
process.exit(failed > 0 ? 1 : 0)
