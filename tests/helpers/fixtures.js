// @ts-check
'use strict'
// The test PKI under tests/fixtures (see generate.sh there).
const fs = require('node:fs')
const path = require('node:path')

/** @param {string} name */
const read = (name) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8')

module.exports = {
  ca: read('ca.crt'),
  ca2: read('ca2.crt'),
  ec: { key: read('server-ec.key'), cert: read('server-ec.crt') },
  rsa: { key: read('server-rsa.key'), cert: read('server-rsa.crt') },
  ed25519: { key: read('server-ed25519.key'), cert: read('server-ed25519.crt') },
  other: { key: read('other.key'), cert: read('other.crt') },
  client: { key: read('client.key'), cert: read('client.crt') },
  clientCa2: { key: read('client-ca2.key'), cert: read('client-ca2.crt') },
}
