// The OAuth 2.0 Playground and the token debugger in a real headless Chromium (Debian's
// `chromium` driven over CDP by playwright-core): a wrong secret and an unregistered
// redirect URI are each explained; the authorization code flow runs through the login
// and consent pages back to the Playground, whose Tokens tab shows the decoded tokens,
// a live expiry countdown and the buttons (refresh, userinfo, revoke, validate_token);
// a developer registering the Playground's redirect URI in the Developer Console; a
// server-to-server credential's "Generate access token" (Playground and console); and the debugger on our token
// (valid, then revoked), a foreign JWT and garbage. Screenshots of each step go to a
// temporary directory.
//
// Run by crates/latchkey/tests/it/interop.rs (interop_chromium_playground), or by hand:
//   LATCHKEY_URL=... LATCHKEY_WEB_CLIENT_ID=... LATCHKEY_WEB_CLIENT_SECRET=... \
//   LATCHKEY_UNREGISTERED_CLIENT_ID=... LATCHKEY_S2S_CLIENT_ID=... LATCHKEY_S2S_CLIENT_SECRET=... \
//   LATCHKEY_USER_EMAIL=... LATCHKEY_USER_PASSWORD=... node --test tests/interop/node/playground.test.mjs

import test from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

function env (name) {
  const v = process.env[name]
  if (!v) throw new Error(`environment variable ${name} is not set (see tests/interop/node/playground.test.mjs)`)
  return v
}

const BASE_URL = env('LATCHKEY_URL').replace(/\/+$/, '')
const WEB_ID = env('LATCHKEY_WEB_CLIENT_ID')
const WEB_SECRET = env('LATCHKEY_WEB_CLIENT_SECRET')
const UNREGISTERED_ID = env('LATCHKEY_UNREGISTERED_CLIENT_ID')
const S2S_ID = env('LATCHKEY_S2S_CLIENT_ID')
const S2S_SECRET = env('LATCHKEY_S2S_CLIENT_SECRET')
const USER_EMAIL = env('LATCHKEY_USER_EMAIL')
const DEV_EMAIL = env('LATCHKEY_DEV_EMAIL')
const USER_PASSWORD = env('LATCHKEY_USER_PASSWORD')
const CHROMIUM = process.env.LATCHKEY_CHROMIUM || '/usr/bin/chromium'
const SHOTS = mkdtempSync(join(tmpdir(), 'latchkey-playground-'))
// With LATCHKEY_SCREENSHOT_DIR set (docs/images, from the repository root), the README's
// two images are also written there.
const README_DIR = process.env.LATCHKEY_SCREENSHOT_DIR || ''

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

async function shot (page, name, readme = false) {
  const path = join(SHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  assert.ok(statSync(path).size > 1000, `${name}.png is not empty`)
  console.log(`screenshot: ${path}`)
  if (readme && README_DIR) {
    mkdirSync(README_DIR, { recursive: true })
    await page.screenshot({ path: join(README_DIR, `${name}.png`) })
  }
}

/** Click and wait for the page the click leads to. */
async function go (page, selector) {
  await Promise.all([page.waitForEvent('load'), page.click(selector)])
}

test('Chromium: the Playground gets, shows, refreshes and revokes tokens; the debugger checks them', { timeout: 180000 }, async (t) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000 })
  t.after(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20000)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  // Script errors and CSP refusals; not the 400s of the pages that explain a mistake.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()) })

  // --- Authorization tab; the redirect URI to register is shown.
  await page.goto(`${BASE_URL}/playground`)
  assert.equal(await page.title(), 'OAuth 2.0 Playground · Latchkey')
  assert.equal(await page.locator('#redirect-uri').innerText(), `${BASE_URL}/playground/callback`)

  // A credential without the Playground's redirect URI: explained, with a link to it.
  await page.fill('#client_id', UNREGISTERED_ID)
  await page.fill('#client_secret', 'whatever')
  await go(page, '#generate')
  assert.match(await page.locator('#explanation').innerText(), /redirect_uri_not_registered/)
  assert.equal(await page.locator('#fix-link').getAttribute('href'), `/console/credentials/${UNREGISTERED_ID}`)
  await shot(page, 'playground-unregistered-redirect')

  // The same for the web credential, until a developer registers the redirect URI.
  await page.fill('#client_id', WEB_ID)
  await page.fill('#client_secret', WEB_SECRET)
  await go(page, '#generate')
  assert.match(await page.locator('#explanation').innerText(), /redirect_uri_not_registered/)

  // --- In the Developer Console, a developer adds the Playground's redirect URI.
  await page.goto(`${BASE_URL}/login?return_to=/console/credentials/${WEB_ID}`)
  await page.fill('#username', DEV_EMAIL)
  await page.fill('#password', USER_PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === `/console/credentials/${WEB_ID}`), page.click('button[type=submit]')])
  const callback = await page.locator('#playground-redirect').innerText()
  assert.equal(callback, `${BASE_URL}/playground/callback`)
  const uris = await page.locator('#redirect-uris').inputValue()
  await page.fill('#redirect-uris', `${uris}\n${callback}`)
  await go(page, 'form[action$="/redirect-uris"] button[type=submit]')
  assert.ok((await page.locator('#redirect-uris').inputValue()).includes(callback), 'saved')
  await shot(page, 'console-playground-redirect')
  await go(page, '#open-playground')
  assert.equal(await page.locator('#client_id').inputValue(), WEB_ID, 'the Playground opens on the credential')
  // Scope suggestions come from the credential's project APIs.
  assert.match(await page.locator('#scope-suggestions').innerText(), /workfront\.read/)

  // A wrong secret: explained before the flow starts.
  await page.fill('#client_secret', 'not-the-secret')
  await page.fill('#scope', 'openid,AdobeID,offline_access,workfront.read')
  await go(page, '#generate')
  const wrong = await page.locator('#explanation').innerText()
  assert.match(wrong, /invalid_client/)
  assert.match(wrong, /rotate it/)
  await shot(page, 'playground-wrong-secret', true)

  // --- The real flow: consent (the developer is signed in), back to the Tokens tab.
  await page.fill('#client_secret', WEB_SECRET)
  await page.fill('#scope', 'openid, AdobeID email offline_access,workfront.read')
  await Promise.all([page.waitForURL((u) => u.pathname === '/consent'), page.click('#generate')])
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/playground' && u.searchParams.get('tab') === 'tokens'),
    page.click('button[name=decision][value=allow]')
  ])
  const access = page.locator('section[data-token="Access token"]')
  assert.match(await access.locator('.sig').innerText(), /Signature verified/)
  assert.equal(await access.locator('.validity').innerText(), 'valid')
  // The countdown script ticks: seconds appear and change.
  const first = await access.locator('.expiry').innerText()
  assert.match(first, /^expires in .*\d+s$/, first)
  await page.waitForFunction((f) => document.querySelector('section[data-token="Access token"] .expiry').textContent !== f, first)
  assert.equal(await page.locator('section[data-token="Refresh token"]').count(), 1)
  assert.equal(await page.locator('section[data-token="ID token"]').count(), 1)
  const claims = await access.locator('.claims-json').innerText()
  assert.match(claims, /"scope": "openid,AdobeID,email,offline_access,workfront.read"/)
  assert.ok(!(await page.content()).includes(WEB_SECRET), 'the secret is not on the page')
  assert.ok(!page.url().includes(WEB_SECRET))
  await shot(page, 'playground-tokens', true)

  await go(page, '#do-refresh-access')
  assert.match(await page.locator('section.exchange').first().innerText(), /Refresh\s+200/)
  await go(page, '#do-userinfo-access')
  const userinfo = await page.locator('section.exchange').first().innerText()
  assert.match(userinfo, /Userinfo\s+200/)
  assert.ok(userinfo.includes(DEV_EMAIL), 'userinfo names the user')
  await go(page, '#do-revoke-access')
  assert.equal(await access.locator('.validity').innerText(), 'revoked')
  await go(page, '#do-validate-access')
  assert.match(await page.locator('section.exchange').first().innerText(), /"valid": false/)
  await shot(page, 'playground-revoked')

  // --- Server-to-server: "Generate access token".
  await page.goto(`${BASE_URL}/playground?tab=authorization`)
  await page.fill('#s2s-client-id', S2S_ID)
  await page.fill('#s2s-secret', S2S_SECRET)
  await page.fill('#s2s-scope', 'openid,AdobeID,firefly_api')
  await go(page, '#generate-access-token')
  assert.match(await access.locator('.sig').innerText(), /Signature verified/)
  assert.match(await access.locator('.claims-json').innerText(), /"ctp": 3/)
  const s2sToken = await access.locator('textarea').inputValue()
  await shot(page, 'playground-server-to-server')

  // The same credential's console page: "Generate access token", no secret needed.
  await page.goto(`${BASE_URL}/console/credentials/${S2S_ID}`)
  await go(page, '#generate-access-token')
  assert.equal(new URL(page.url()).searchParams.get('tab'), 'tokens')
  assert.match(await access.locator('.sig').innerText(), /Signature verified/)
  assert.match(await page.locator('section.exchange').first().innerText(), /Generate access token \(console\)\s+200/)

  // --- The debugger: ours (valid, then revoked), foreign, garbage.
  const debug = async (token) => {
    await page.goto(`${BASE_URL}/playground/debugger`)
    await page.fill('#token', token)
    await go(page, '#decode')
  }
  await debug(s2sToken)
  assert.match(await page.locator('#signature').innerText(), /Signature verified/)
  assert.match(await page.locator('#validity').innerText(), /Status: valid/)
  await shot(page, 'debugger-valid')
  const revoked = await fetch(`${BASE_URL}/ims/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: s2sToken, client_id: S2S_ID, client_secret: S2S_SECRET })
  })
  assert.equal(revoked.status, 200)
  await debug(s2sToken)
  assert.match(await page.locator('#validity').innerText(), /Status: revoked/)
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  await debug(`${b64({ alg: 'RS256', kid: 'theirs' })}.${b64({ iss: 'https://elsewhere.example', sub: 'x', exp: 4102444800 })}.c2lnbmF0dXJl`)
  assert.match(await page.locator('#signature').innerText(), /Unverifiable here/)
  await debug('definitely not a token')
  assert.match(await page.locator('#garbage').innerText(), /not a JWT/)
  await shot(page, 'debugger-garbage')

  assert.deepEqual(errors, [], 'no script errors (CSP included)')
})
