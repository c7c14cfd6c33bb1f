// @ts-check
'use strict'
// `npm run build [-- --target <rust triple>]`: the addon in release mode for this machine (or the
// target), with the patched quiche: scripts/quiche-source.js, then `napi build` into src/native/
// (the binary and its generated types), then scripts/package-binary.js (the binary, LICENSE and
// the notices into its platform package). The Linux binaries that ship are built by
// scripts/build-dist.js instead (zig, glibc 2.17 and musl).
const { execFileSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
const args = process.argv.slice(2)
const target = args.indexOf('--target')
const triple = target >= 0 ? args[target + 1] : undefined
if (target >= 0 && !triple) throw new Error('--target needs a Rust target triple')

/** @param {string} script @param {string[]} scriptArgs @param {NodeJS.ProcessEnv} [env] */
const node = (script, scriptArgs, env = process.env) =>
  execFileSync(process.execPath, [script, ...scriptArgs], { cwd: root, stdio: 'inherit', env })

node(path.join(__dirname, 'quiche-source.js'), [])
node(path.join(path.dirname(require.resolve('@napi-rs/cli/package.json', { paths: [root] })), 'dist', 'cli.js'), [
  'build',
  '--platform',
  '--release',
  '--no-js',
  '--dts',
  'binding.d.ts',
  '--output-dir',
  'src/native',
  ...(triple ? ['--target', triple] : []),
])
node(
  path.join(__dirname, 'package-binary.js'),
  [],
  triple ? { ...process.env, CARGO_BUILD_TARGET: triple } : process.env,
)
