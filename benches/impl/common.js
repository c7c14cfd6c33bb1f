// @ts-check
'use strict'
// Helpers for the benchmark peers: timing, percentiles, the test PKI.
const fs = require('node:fs')
const path = require('node:path')

const fixture = (/** @type {string} */ name) => fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'fixtures', name), 'utf8')

const pki = {
  key: fixture('server-ec.key'),
  cert: fixture('server-ec.crt'),
  ca: fixture('ca.crt'),
}

/** @param {number[]} sorted @param {number} p */
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/** CPU seconds used since `start` (from process.cpuUsage()). @param {NodeJS.CpuUsage} start */
const cpuSince = (start) => {
  const d = process.cpuUsage(start)
  return (d.user + d.system) / 1e6
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

module.exports = { pki, percentile, cpuSince, sleep }
