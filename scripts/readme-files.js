// @ts-check
'use strict'
// The files README.md spells out: each fenced block whose info string names a file
// (```js file=server.mjs), by that name. The packaging test writes and runs them as a user would.

/**
 * @param {string} markdown
 * @returns {Map<string, string>} file name → text
 */
function readmeFiles(markdown) {
  const files = new Map()
  const block = /^```[\w-]* file=(\S+)\n([\s\S]*?)^```$/gm
  for (const m of markdown.matchAll(block)) {
    if (files.has(m[1])) throw new Error(`README.md names ${m[1]} twice`)
    files.set(m[1], m[2])
  }
  return files
}

module.exports = { readmeFiles }
