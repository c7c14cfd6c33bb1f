// @ts-check
'use strict'
// Extensible priorities (RFC 9218): the `priority` field of a request, a structured-field
// dictionary of `u` (urgency 0–7, 0 first; default 3) and `i` (incremental; default false).
// Unknown members, bad values and a missing field give the defaults, as §4 says.

/** @typedef {{ urgency: number, incremental: boolean }} Priority */

/** @type {Readonly<Priority>} */
const DEFAULT = Object.freeze({ urgency: 3, incremental: false })

/**
 * @param {string | null} field the `priority` field's value, or null
 * @returns {Priority}
 */
function parsePriority(field) {
  if (field == null) return { ...DEFAULT }
  let { urgency, incremental } = DEFAULT
  for (const member of field.split(',')) {
    const [rawKey, ...rest] = member.trim().split(';')[0].split('=')
    const key = rawKey.trim()
    const value = rest.join('=').trim()
    if (key === 'u') {
      const n = Number(value)
      if (value !== '' && Number.isInteger(n) && n >= 0 && n <= 7) urgency = n
    } else if (key === 'i') {
      if (value === '' || value === '?1') incremental = true
      else if (value === '?0') incremental = false
    }
  }
  return { urgency, incremental }
}

module.exports = { parsePriority, DEFAULT_PRIORITY: DEFAULT }
