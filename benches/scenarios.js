// @ts-check
'use strict'
// The benchmark scenarios and their sizes, shared by every implementation.

const MiB = 1024 * 1024

module.exports = {
  /** One stream, client → server; the server acknowledges the last byte. */
  bulk: { bytes: 64 * MiB, chunk: 256 * 1024 },
  /** One request, server → client (HTTP only): the client asks for `bytes`, the server sends them. */
  download: { bytes: 64 * MiB, chunk: 256 * 1024 },
  /** One stream, client → server, echoed back; MB/s of payload, CPU per MB moved (both ways). */
  echo: { bytes: 16 * MiB, chunk: 256 * 1024 },
  /** Sequential ping-pongs of 32 bytes on one stream. */
  rtt: { count: 2000, size: 32 },
  /** Sequential connect + one 32-byte round trip + close. */
  handshakes: { count: 200 },
  /** Concurrent connect + one 32-byte round trip + close, all at once. */
  handshakesConcurrent: { count: 50 },
  /** One connection, many small streams echoed, a fixed number in flight. */
  streams: { count: 2000, size: 1024, inFlight: 100 },
  /** Idle connections held open; the server's RSS growth per connection. */
  idle: { count: 200 },
}
