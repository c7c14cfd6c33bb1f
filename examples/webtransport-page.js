// @ts-check
'use strict'
// The browser page of the WebTransport demo (and of tests/browser.test.js): it opens a session at
// `/echo` on the HTTP/3 server by certificate hash and echoes a bidirectional stream, a
// unidirectional stream and a datagram, closes the session with code 7, optionally fetches
// `/hello` over HTTP/3, and then paints its box green (all came back) or red. A text box sends
// more, each kind on demand. `window.results` holds what came back.

/**
 * @param {{ port: number, certHash: number[], fetchCheck?: boolean }} opts
 * @returns {string} the page's HTML
 */
function page({ port, certHash, fetchCheck = false }) {
  return `<!doctype html><meta charset=utf-8><title>@matrixai/quic WebTransport echo</title>
<style>body{margin:0;font:14px monospace} #box{width:200px;height:200px;background:#888} #log{white-space:pre}</style>
<div id=box></div>
<p><input id=text value="hello"> <button id=dgram>datagram</button> <button id=uni>uni stream</button> <button id=bidi>bidi stream</button></p>
<div id=log></div><script>
const url = 'https://127.0.0.1:${port}/echo'
const hashes = [{ algorithm: 'sha-256', value: new Uint8Array(${JSON.stringify(certHash)}) }]
const enc = new TextEncoder(), dec = new TextDecoder()
const log = (s) => { document.getElementById('log').textContent += s + '\\n' }
async function readAll(readable) { let s = ''; for await (const c of readable) s += dec.decode(c, { stream: true }); return s }
async function bidiEcho(wt, text) {
  const s = await wt.createBidirectionalStream(), w = s.writable.getWriter()
  await w.write(enc.encode(text)); await w.close()
  return readAll(s.readable)
}
async function uniEcho(wt, incoming, text) {
  const w = (await wt.createUnidirectionalStream()).getWriter()
  await w.write(enc.encode(text)); await w.close()
  return readAll((await incoming.read()).value)
}
async function datagramEcho(writer, reader, text) {
  for (let i = 0; i < 20; i++) {
    await writer.write(enc.encode(text))
    const got = await Promise.race([reader.read().then((r) => dec.decode(r.value)), new Promise((r) => setTimeout(() => r(null), 250))])
    if (got !== null) return got
  }
  return null
}
(async () => {
  const results = {}
  try {
    const wt = new WebTransport(url, { serverCertificateHashes: hashes })
    await wt.ready
    log('session ready at ' + url)
    const incoming = wt.incomingUnidirectionalStreams.getReader()
    const dw = wt.datagrams.writable.getWriter(), dr = wt.datagrams.readable.getReader()
    results.bidi = await bidiEcho(wt, 'bidi-hello'); log('bidi: ' + results.bidi)
    results.uni = await uniEcho(wt, incoming, 'uni-hello'); log('uni: ' + results.uni)
    results.datagram = await datagramEcho(dw, dr, 'dgram-hello'); log('datagram: ' + results.datagram)
    for (const kind of ['bidi', 'uni', 'dgram']) {
      document.getElementById(kind).onclick = async () => {
        const text = document.getElementById('text').value
        const back = kind === 'bidi' ? await bidiEcho(wt, text) : kind === 'uni' ? await uniEcho(wt, incoming, text) : await datagramEcho(dw, dr, text)
        log(kind + ' echoed: ' + back)
      }
    }
    ${
      fetchCheck
        ? `wt.close({ closeCode: 7, reason: 'bye' }); await wt.closed; log('session closed')
    const response = await fetch('https://127.0.0.1:${port}/hello')
    results.fetch = response.status + ' ' + (await response.text()); log('fetch: ' + results.fetch)`
        : ''
    }
  } catch (e) {
    results.error = String(e); log('error: ' + e)
  }
  const ok = results.bidi === 'bidi-hello' && results.uni === 'uni-hello' && results.datagram === 'dgram-hello' &&
    (${fetchCheck} ? results.fetch === '200 hello over HTTP/3' : true)
  document.getElementById('box').style.background = ok ? 'rgb(0, 200, 0)' : 'rgb(200, 0, 0)'
  window.results = results
})()
</script>`
}

/** Flags for headless Chromium here: no sandbox (root), nothing fetched from the network on its own. */
const chromiumArgs = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
])

module.exports = { page, chromiumArgs }
