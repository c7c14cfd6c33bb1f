// @ts-check
'use strict'
// PEM input (one PEM or several, strings or bytes) as 2.x's `utils` read it, and PEM ↔ DER.

const { Buffer } = require('node:buffer')
const crypto = require('node:crypto')

/** @param {string | Uint8Array} item */
const text = (item) => (typeof item === 'string' ? item : Buffer.from(item).toString())

/**
 * Each PEM of the input as a string ending in one newline (2.x: keys, certs and CAs alike).
 * @param {import('../index').PEMInput | undefined} pems
 * @returns {string[]}
 */
function collectPEMs(pems) {
  if (pems == null) return []
  return (Array.isArray(pems) ? pems : [pems]).map((item) => `${text(item).trim()}\n`)
}

/** The DER bytes of one PEM block. @param {string} pem */
function pemToDER(pem) {
  const body = pem.replace(/-----BEGIN [^-]*-----/, '').replace(/-----END [^-]*-----/, '')
  return new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64'))
}

/** A certificate's DER bytes as PEM, 64 columns. @param {Uint8Array} der */
function derToPEM(der) {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

/**
 * The certificates in PEM input, DER (anything that is not a certificate is skipped).
 * @param {import('../index').PEMInput | undefined} pem
 * @returns {Uint8Array[]}
 */
function parseCertificates(pem) {
  /** @type {Uint8Array[]} */
  const out = []
  for (const item of collectPEMs(pem)) {
    for (const m of item.matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)) {
      out.push(new crypto.X509Certificate(m[0]).raw)
    }
  }
  return out
}

module.exports = { collectPEMs, pemToDER, derToPEM, parseCertificates }
