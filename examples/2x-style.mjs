// A program written against @matrixai/quic 2.x, as 2.x's README and tests write one: ES module,
// deep imports, 2.x's events, `utils.promise`, a verifyCallback answering with `CryptoError`,
// `codeToReason` / `reasonToCode`, `@matrixai/async-init`'s `running`. It runs unchanged on 3.0:
// `node examples/2x-style.mjs` echoes one stream and exits 0 (tests/compat.test.js runs it).
import fs from 'node:fs'
import { running } from '@matrixai/async-init'
import * as events from '@matrixai/quic/events.js'
import { CryptoError } from '@matrixai/quic/native.js'
import QUICClient from '@matrixai/quic/QUICClient.js'
import QUICServer from '@matrixai/quic/QUICServer.js'
import * as utils from '@matrixai/quic/utils.js'

const fixture = (name) => fs.readFileSync(new URL(`../tests/fixtures/${name}`, import.meta.url), 'utf8')
const reasonToCode = (_type, reason) => (reason === 'done' ? 1 : 0)
const codeToReason = (type, code) => new Error(`${type} ${code}`)

const server = new QUICServer({
  crypto: { key: new ArrayBuffer(32), ops: { sign: async () => new ArrayBuffer(32), verify: async () => true } },
  config: { key: fixture('server-ec.key'), cert: fixture('server-ec.crt'), verifyPeer: false },
  reasonToCode,
  codeToReason,
})
server.addEventListener(events.EventQUICServerConnection.name, (evt) => {
  const connection = evt.detail
  connection.addEventListener(events.EventQUICConnectionStream.name, (streamEvt) => {
    const stream = streamEvt.detail
    void stream.readable.pipeTo(stream.writable)
  })
})
await server.start({ host: '127.0.0.1' })

const ca = fixture('ca.crt')
const client = await QUICClient.createQUICClient({
  host: '127.0.0.1',
  port: server.port,
  serverName: 'localhost',
  crypto: { ops: { randomBytes: async () => {} } },
  config: {
    ca,
    verifyPeer: true,
    // 2.x's form: undefined accepts the chain, a CryptoError rejects it.
    verifyCallback: async (certs) => (certs.length > 0 ? undefined : CryptoError.BadCertificate),
  },
  reasonToCode,
  codeToReason,
})

const stream = client.connection.newStream()
const writer = stream.writable.getWriter()
await writer.write(new TextEncoder().encode('hello from 2.x'))
await writer.close()
const chunks = []
for await (const chunk of stream.readable) chunks.push(chunk)
const echoed = new TextDecoder().decode(Buffer.concat(chunks))

const closed = utils.promise()
client.addEventListener(events.EventQUICClientDestroyed.name, () => closed.resolveP(), { once: true })
await client.destroy()
await closed.p
await server.stop()
if (echoed !== 'hello from 2.x' || server[running] !== false) {
  console.error(`2.x-style run failed: echoed ${JSON.stringify(echoed)}, running ${server[running]}`)
  process.exit(1)
}
console.log(`2.x-style program: echoed ${JSON.stringify(echoed)}`)
