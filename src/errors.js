// @ts-check
'use strict'
// Error classes. Every error has a stable `code`; match on `code`, never on `message`.
// Errors thrown by the addon are plain `Error`s with the same kind of `code` (ERR_QUIC_*), plus
// `wireCode`, `streamId` and `field` where they apply.

const kBrand = Symbol.for('@matrixai/quic.error')

class ErrorQUIC extends Error {
  /**
   * @param {string} [message]
   * @param {{ cause?: unknown }} [options]
   */
  constructor(message, options) {
    super(message, options)
    this.name = 'ErrorQUIC'
    /** @type {string} */
    this.code = 'ERR_QUIC'
  }

  /** Works across two copies of this package. */
  static [Symbol.hasInstance](/** @type {any} */ obj) {
    return obj != null && obj[kBrand] === true && (this === ErrorQUIC || Function.prototype[Symbol.hasInstance].call(this, obj))
  }

  get [kBrand]() {
    return true
  }
}

/** An option is unknown, of the wrong type or out of range; `field` names it. */
class ErrorQUICConfig extends ErrorQUIC {
  /**
   * @param {string} message
   * @param {string} field
   * @param {{ cause?: unknown }} [options]
   */
  constructor(message, field, options) {
    super(message, options)
    this.name = 'ErrorQUICConfig'
    this.code = 'ERR_QUIC_INVALID_CONFIG'
    /** @type {string} */
    this.field = field
  }
}

module.exports = { ErrorQUIC, ErrorQUICConfig }
