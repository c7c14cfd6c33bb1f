// @ts-check
'use strict'
// A real browser against this library: headless Chromium (Debian's, driven by playwright-core)
// loads a page over HTTP/1 that (1) opens a WebTransport session on our Http3Server
// (serverCertificateHashes) and echoes a bidirectional stream, a unidirectional stream and a
// datagram, then closes the session with a code and reason our side must hear; and (2) fetches
// over HTTP/3 from the same server (forced with --origin-to-force-quic-on, the certificate
// allowed by its SPKI hash; nothing listens on TCP there, so an answer proves HTTP/3). The page
// paints a green box only when everything passed; the test checks the screenshot's pixels.
// And the WebTransport demo (`npm run demo:webtransport -- --check`) as a user runs it.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { execFileSync } = require('node:child_process')
const { Http3Server } = require('../src/http3/index.js')
const { page, chromiumArgs } = require('../examples/webtransport-page.js')
const { echoSession } = require('../examples/webtransport-echo.js')

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const hasChromium = fs.existsSync(CHROMIUM)
if (!hasChromium) {
  console.error(`\n*** browser tests SKIPPED: no Chromium at ${CHROMIUM} (scripts/setup.sh installs Debian's) ***\n`)
}

/**
 * A certificate Chromium takes by its hash: ECDSA P-256, valid for less than 14 days.
 * @param {string} dir
 */
function shortLivedCertificate(dir) {
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '10']
      .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'])
      .concat(['-keyout', key, '-out', cert]),
    { stdio: 'ignore' },
  )
  const pem = fs.readFileSync(cert, 'utf8')
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
  const spki = /** @type {Buffer} */ (crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' }))
  return {
    key: fs.readFileSync(key, 'utf8'),
    cert: pem,
    certHash: [...crypto.createHash('sha256').update(der).digest()],
    spkiHash: crypto.createHash('sha256').update(spki).digest('base64'),
  }
}

/**
 * The pixels of a PNG (8-bit RGB or RGBA, not interlaced, as Chromium's screenshots are).
 * @param {Buffer} png
 */
function decodePng(png) {
  let i = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat = []
  while (i < png.length) {
    const len = png.readUInt32BE(i)
    const type = png.toString('latin1', i + 4, i + 8)
    const data = png.subarray(i + 8, i + 8 + len)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      assert.equal(data[8], 8, 'an 8-bit PNG')
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0
      assert.ok(channels > 0 && data[12] === 0, 'RGB(A), not interlaced')
    } else if (type === 'IDAT') idat.push(data)
    i += 12 + len
  }
  const raw = zlib.inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const pixels = Buffer.alloc(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]
      const a = x >= channels ? pixels[y * stride + x - channels] : 0
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0
      const p = a + b - c
      const pr =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c
      const pred = [0, a, b, (a + b) >> 1, pr][filter]
      pixels[y * stride + x] = (v + pred) & 0xff
    }
  }
  return {
    width,
    height,
    channels,
    at: (/** @type {number} */ x, /** @type {number} */ y) =>
      pixels.subarray(y * stride + x * channels, y * stride + x * channels + 3),
  }
}

test('Chromium: WebTransport echo (bidi, uni, datagram), session close, fetch over HTTP/3', {
  skip: !hasChromium && 'no Chromium',
}, async (t) => {
  const { chromium } = require('playwright-core')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quic-browser-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const { key, cert, certHash, spkiHash } = shortLivedCertificate(dir)
  /** @type {Array<Promise<{ closeCode: number, reason: string }>>} */
  const sessions = []
  const server = new Http3Server({
    key,
    cert,
    handler: (request) =>
      new Response(new URL(request.url).pathname === '/hello' ? 'hello over HTTP/3' : 'not found', {
        status: new URL(request.url).pathname === '/hello' ? 200 : 404,
        headers: { 'access-control-allow-origin': '*' },
      }),
    onWebTransport: (session) => {
      sessions.push(session.closed)
      echoSession(/** @type {any} */ (session))
    },
  })
  await server.start({ host: '127.0.0.1', port: 0 })
  t.after(() => server.stop({ force: true }))
  const web = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(page({ port: server.port, certHash, fetchCheck: true }))
  })
  await new Promise((resolve) => web.listen(0, '127.0.0.1', () => resolve(undefined)))
  t.after(() => web.close())
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...chromiumArgs,
      '--enable-quic',
      `--origin-to-force-quic-on=127.0.0.1:${server.port}`,
      `--ignore-certificate-errors-spki-list=${spkiHash}`,
    ],
  })
  t.after(() => browser.close())
  const tab = await browser.newPage({ viewport: { width: 400, height: 300 } })
  const address = /** @type {import('node:net').AddressInfo} */ (web.address())
  await tab.goto(`http://127.0.0.1:${address.port}/`)
  await tab.waitForFunction(() => /** @type {any} */ (window).results !== undefined, null, { timeout: 30_000 })
  const results = await tab.evaluate(() => /** @type {any} */ (window).results)
  assert.deepEqual(results, {
    bidi: 'bidi-hello',
    uni: 'uni-hello',
    datagram: 'dgram-hello',
    fetch: '200 hello over HTTP/3',
  })
  assert.equal(sessions.length, 1)
  assert.deepEqual(await sessions[0], { closeCode: 7, reason: 'bye' })
  // The screenshot: the box the page paints green only if everything passed.
  const shot = decodePng(await tab.screenshot())
  let green = 0
  for (let y = 10; y < 190; y += 10) {
    for (let x = 10; x < 190; x += 10) {
      const [r, g, b] = shot.at(x, y)
      if (r < 30 && g > 170 && b < 30) green++
    }
  }
  assert.equal(green, 18 * 18, 'the box is green in the screenshot')
})

test('npm run demo:webtransport -- --check: the demo page in Chromium gets every echo back', {
  skip: !hasChromium && 'no Chromium',
}, () => {
  const out = execFileSync(
    process.execPath,
    [path.join(__dirname, '..', 'examples', 'webtransport-demo.js'), '--check'],
    {
      encoding: 'utf8',
      env: { ...process.env, CHROMIUM },
      timeout: 90_000,
    },
  )
  assert.match(out, /every echo came back; qlogs: [1-9]\d* in /)
  const qlogDir = /** @type {RegExpMatchArray} */ (/qlogs: \d+ in (\S+)/.exec(out))[1]
  fs.rmSync(path.dirname(qlogDir), { recursive: true, force: true })
})
