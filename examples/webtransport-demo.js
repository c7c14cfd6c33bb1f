// @ts-check
'use strict'
// The WebTransport demo: an HTTP/3 server on @matrixai/quic whose sessions at /echo echo
// datagrams, unidirectional and bidirectional streams, and a page for a browser (Chromium)
// served over HTTP/1 for the first load and over HTTP/3 after (Alt-Svc), which echoes each kind
// and lets you send more. The certificate is made for the run (ECDSA P-256, 10 days, so the page
// can pin it by hash); the qlog of every connection goes to a directory it prints.
//
//   npm run demo:webtransport [-- --check]
//
// `--check` opens the page in headless Chromium itself (Debian's /usr/bin/chromium, or CHROMIUM),
// prints what came back and exits 0 only if every echo did.
const { execFileSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const { Http3Server } = require('@matrixai/quic/http3')
const { echoSession } = require('./webtransport-echo.js')
const { page, chromiumArgs } = require('./webtransport-page.js')

async function main() {
  const check = process.argv.includes('--check')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quic-webtransport-demo-'))
  const qlogDir = path.join(dir, 'qlog')
  fs.mkdirSync(qlogDir)
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '10']
      .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'])
      .concat(['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]),
    { stdio: 'ignore' },
  )
  const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8')
  const certHash = [
    ...crypto
      .createHash('sha256')
      .update(Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
      .digest(),
  ]
  /** @type {string} */
  let html = ''
  const server = new Http3Server({
    key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    cert,
    config: { qlogDir },
    handler: (request) =>
      new URL(request.url).pathname === '/'
        ? new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } })
        : new Response('not found\n', { status: 404 }),
    onWebTransport: (session, request) => {
      if (new URL(request.url).pathname === '/echo') echoSession(session)
      else session.close({ closeCode: 404, reason: 'no such session path' })
    },
  })
  await server.start({ host: '127.0.0.1', port: 0 })
  html = page({ port: server.port, certHash })
  const web = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'alt-svc': `h3=":${server.port}"` })
    res.end(html)
  })
  await new Promise((resolve) => web.listen(0, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (web.address())
  const pageUrl = `http://127.0.0.1:${address.port}/`
  console.log(`WebTransport echo at https://127.0.0.1:${server.port}/echo (HTTP/3)`)
  console.log(`open ${pageUrl} in Chromium; qlogs go to ${qlogDir}`)
  const stop = async () => {
    web.close()
    await server.stop({ force: true })
  }
  if (!check) {
    process.once('SIGINT', () => stop().then(() => process.exit(0)))
    return
  }
  const { chromium } = require('playwright-core')
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [...chromiumArgs],
  })
  try {
    const tab = await browser.newPage()
    await tab.goto(pageUrl)
    await tab.waitForFunction(() => /** @type {any} */ (window).results !== undefined, null, { timeout: 30_000 })
    const results = await tab.evaluate(() => /** @type {any} */ (window).results)
    console.log(JSON.stringify(results))
    const ok = results.bidi === 'bidi-hello' && results.uni === 'uni-hello' && results.datagram === 'dgram-hello'
    console.log(
      `${ok ? 'every echo came back' : 'an echo did not come back'}; qlogs: ${fs.readdirSync(qlogDir).length} in ${qlogDir}`,
    )
    process.exitCode = ok ? 0 : 1
  } finally {
    await browser.close()
    await stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
