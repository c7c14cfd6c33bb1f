// @ts-check
'use strict'
// QUICConnectionId: a connection id as 2.x's users know it: the bytes (a Uint8Array, views made
// without a copy), written as lowercase hex by `toString()` and wherever a string is wanted.

const { Buffer } = require('node:buffer')

class QUICConnectionId extends Uint8Array {
  /** Decodes from hex. @param {string} idString */
  static fromString(idString) {
    const buf = Buffer.from(idString, 'hex')
    return new QUICConnectionId(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  /** A view of the same bytes, no copy. @param {Uint8Array} idBuffer */
  static fromBuffer(idBuffer) {
    return new QUICConnectionId(idBuffer.buffer, idBuffer.byteOffset, idBuffer.byteLength)
  }

  /** @param {...any} args as Uint8Array's */
  constructor(...args) {
    // @ts-expect-error: Uint8Array's overloads, passed on as given
    super(...args)
    /** The id in hex. */
    this.string = this.toBuffer().toString('hex')
  }

  /** The id in lowercase hex. */
  toString() {
    return this.string
  }

  /** A Buffer over the same bytes, no copy. */
  toBuffer() {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength)
  }

  /** @param {string} _hint */
  [Symbol.toPrimitive](_hint) {
    return this.string
  }
}

module.exports = QUICConnectionId
