// A type test (compiled by `npm run typecheck`, never run): code written against 2.x's types and
// deep imports, as a 2.x user has it, compiles unchanged against 3.0's `index.d.ts`.

import type { StreamCodeToReason, StreamReasonToCode } from '@matrixai/quic'
import { buildQuicheConfig, clientDefault } from '@matrixai/quic/config.js'
import * as errors from '@matrixai/quic/errors.js'
import * as events from '@matrixai/quic/events.js'
import { CryptoError, quiche } from '@matrixai/quic/native.js'
import QUICClient from '@matrixai/quic/QUICClient.js'
import type QUICConnection from '@matrixai/quic/QUICConnection.js'
import type QUICConnectionId from '@matrixai/quic/QUICConnectionId.js'
import QUICServer from '@matrixai/quic/QUICServer.js'
import QUICSocket from '@matrixai/quic/QUICSocket.js'
import type QUICStream from '@matrixai/quic/QUICStream.js'
import type { ClientCryptoOps, Host, Port, QUICConfig, ServerCryptoOps, StreamId } from '@matrixai/quic/types.js'
import * as utils from '@matrixai/quic/utils.js'

const serverCrypto: ServerCryptoOps = {
  sign: async (_key, data) => data,
  verify: async () => true,
}
const clientCrypto: ClientCryptoOps = { randomBytes: async () => {} }
const reasonToCode: StreamReasonToCode = (_type, reason) => (reason instanceof Error ? 1 : 0)
const codeToReason: StreamCodeToReason = (type, code) => new Error(`${type} ${code}`)

export async function twoX(key: string, cert: string): Promise<void> {
  const host = utils.resolvesZeroIP('0.0.0.0' as Host) as Host
  const port: Port = utils.toPort(0)
  const socket = new QUICSocket({})
  await socket.start({ host, port })
  const server = new QUICServer({
    crypto: { key: new ArrayBuffer(32), ops: serverCrypto },
    config: { key, cert, verifyPeer: false },
    socket,
    reasonToCode,
    codeToReason,
  })
  server.addEventListener(events.EventQUICServerConnection.name, (evt) => {
    const conn: QUICConnection = (evt as events.EventQUICServerConnection).detail
    conn.addEventListener(events.EventQUICConnectionStream.name, (e) => {
      const stream: QUICStream = (e as events.EventQUICConnectionStream).detail
      void stream.readable.pipeTo(stream.writable)
    })
  })
  await server.start()
  const config: Partial<QUICConfig> = {
    verifyPeer: true,
    verifyCallback: async () => CryptoError.BadCertificate,
  }
  const client = await QUICClient.createQUICClient({
    host: utils.buildAddress(host).split(':')[0],
    port: server.port,
    socket,
    crypto: { ops: clientCrypto },
    config,
  })
  const id: string = client.connection.connectionId.toString()
  const shared: QUICConnectionId = client.connection.connectionIdShared
  const sid = 0 as StreamId
  const stream = client.connection.newStream()
  const writer = stream.writable.getWriter()
  await writer.write(new Uint8Array([1, 2, 3]))
  await writer.close()
  const reader = stream.readable.getReader()
  try {
    while (!(await reader.read()).done) {
      // read to the end
    }
  } catch (e) {
    if (e instanceof errors.ErrorQUICStreamPeerRead) throw e
  }
  void [id, shared, sid, quiche.MAX_CONN_ID_LEN, buildQuicheConfig(clientDefault)]
  await client.destroy({ force: true })
  await server.stop({ force: true })
  await socket.stop({ force: true })
}
