// @ts-check
'use strict'
// A client in its own process that writes to a server forever, so a test can kill it mid-transfer.
const { QUICClient } = require('../../index.js')
const fixtures = require('./fixtures.js')

async function main() {
  const port = Number(process.argv[2])
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port,
    serverName: 'localhost',
    config: { ca: fixtures.ca },
  })
  const w = client.connection.newStream().writable.getWriter()
  await w.write(Buffer.alloc(1024))
  process.stdout.write('writing\n')
  for (;;) await w.write(Buffer.alloc(64 * 1024))
}

main().catch(() => process.exit(1))
