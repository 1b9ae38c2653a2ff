// The sign-in pages in a real headless Chromium (Debian's `chromium`, driven over CDP by
// playwright-core, which downloads no browser of its own): authorize → login form →
// consent form → redirect to the client with code, state and iss; the code exchanges;
// then Connected Applications lists the app and "Remove access" revokes it; the front
// door shows the user; and logout asks for confirmation, then signs out.
//
// Run by crates/latchkey/tests/it/interop.rs
// (interop_chromium_sign_in_consent_and_connected_apps), or by hand:
//   LATCHKEY_URL=http://127.0.0.1:PORT LATCHKEY_CLIENT_ID=... LATCHKEY_CLIENT_SECRET=... \
//   LATCHKEY_CLIENT_NAME='Interop Web' LATCHKEY_REDIRECT_URI=http://127.0.0.1:PORT2/cb \
//   LATCHKEY_USER_EMAIL=... LATCHKEY_USER_PASSWORD=... \
//   node --test tests/interop/node/browser.test.mjs
// LATCHKEY_CHROMIUM overrides the browser binary (default /usr/bin/chromium).

import test from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

function requiredEnv (name) {
  const value = process.env[name]
  if (!value) {
    throw new Error(`environment variable ${name} is not set (see tests/interop/node/browser.test.mjs)`)
  }
  return value
}

const BASE_URL = requiredEnv('LATCHKEY_URL').replace(/\/+$/, '')
const CLIENT_ID = requiredEnv('LATCHKEY_CLIENT_ID')
const CLIENT_SECRET = requiredEnv('LATCHKEY_CLIENT_SECRET')
const CLIENT_NAME = requiredEnv('LATCHKEY_CLIENT_NAME')
const REDIRECT_URI = requiredEnv('LATCHKEY_REDIRECT_URI')
const USER_EMAIL = requiredEnv('LATCHKEY_USER_EMAIL')
const USER_PASSWORD = requiredEnv('LATCHKEY_USER_PASSWORD')
const CHROMIUM = process.env.LATCHKEY_CHROMIUM || '/usr/bin/chromium'

const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'workfront.read']

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

const b64url = (buf) => Buffer.from(buf).toString('base64url')

test('Chromium: sign in, consent, callback, then remove access under Connected Applications', { timeout: 120000 }, async (t) => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60000
  })
  t.after(() => browser.close())
  // A new context is a fresh, empty profile: no cookies, no cache.
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20000)
  page.setDefaultNavigationTimeout(20000)

  // The client's side: a tiny app on the redirect URI's loopback port (the driver picked a
  // free one) that records where the browser was sent. (page.route cannot do this: it does
  // not see requests that follow a redirect.)
  const redirect = new URL(REDIRECT_URI)
  const callbacks = []
  const app = createServer((req, res) => {
    const url = new URL(req.url, redirect.origin)
    if (url.pathname !== redirect.pathname) { // e.g. /favicon.ico
      res.writeHead(404).end()
      return
    }
    callbacks.push(url)
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>client callback</title><p>signed in</p>')
  })
  await new Promise((resolve, reject) => {
    app.once('error', reject)
    app.listen(Number(redirect.port), redirect.hostname, resolve)
  })
  t.after(() => { app.closeAllConnections(); app.close() })

  const verifier = b64url(randomBytes(32))
  const challenge = b64url(createHash('sha256').update(verifier).digest())
  const state = b64url(randomBytes(12))
  const authorize = new URL(`${BASE_URL}/oauth2/authorize`)
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: SCOPES.join(' '),
    state,
    nonce: b64url(randomBytes(12)),
    code_challenge: challenge,
    code_challenge_method: 'S256'
  })) authorize.searchParams.set(k, v)

  // --- login page
  const first = await page.goto(authorize.href)
  assert.equal(first.status(), 200)
  assert.equal(new URL(page.url()).pathname, '/login', `landed on ${page.url()}`)
  assert.equal(await page.title(), 'Sign in · Latchkey')
  await page.fill('#username', USER_EMAIL)
  await page.fill('#password', `${USER_PASSWORD}-wrong`)
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')])
  assert.match(await page.locator('[role=alert]').innerText(), /not right/, 'a wrong password shows the error')
  assert.equal(new URL(page.url()).pathname, '/login')
  await page.fill('#username', USER_EMAIL)
  await page.fill('#password', USER_PASSWORD)
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/consent'),
    page.click('button[type=submit]')
  ])

  // --- consent page
  assert.equal(await page.locator('#client-name').innerText(), CLIENT_NAME)
  const shown = await page.locator('#scopes li').evaluateAll((lis) => lis.map((li) => li.dataset.scope))
  assert.deepEqual([...shown].sort(), [...SCOPES].sort(), 'every requested scope is listed')
  for (const li of await page.locator('#scopes li').all()) {
    assert.ok((await li.innerText()).trim().length > 0, 'each scope has a human description')
  }
  assert.match(await page.locator('main').innerText(), new RegExp(USER_EMAIL.replace(/[.@]/g, '\\$&')))
  const shotDir = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'))
  const shot = join(shotDir, 'consent.png')
  await page.screenshot({ path: shot, fullPage: true })
  assert.ok(statSync(shot).size > 1000, 'the screenshot is not empty')
  assert.deepEqual([...readFileSync(shot).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG')
  console.log(`consent page screenshot: ${shot}`)

  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${REDIRECT_URI}?`)),
    page.click('button[name=decision][value=allow]')
  ])
  assert.equal(await page.title(), 'client callback')
  assert.equal(callbacks.length, 1, `callbacks: ${callbacks}`)
  const cb = callbacks[0]
  assert.equal(cb.origin + cb.pathname, REDIRECT_URI)
  assert.equal(cb.searchParams.get('state'), state)
  assert.equal(cb.searchParams.get('iss'), BASE_URL)
  const code = cb.searchParams.get('code')
  assert.ok(code, 'code in the callback')

  // The code the browser carried exchanges (client_secret_basic + PKCE).
  const tokenRes = await fetch(`${BASE_URL}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded'
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
    signal: AbortSignal.timeout(15000)
  })
  const tokens = await tokenRes.json()
  assert.equal(tokenRes.status, 200, JSON.stringify(tokens))
  const userinfo = () => fetch(`${BASE_URL}/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
    signal: AbortSignal.timeout(15000)
  })
  assert.equal((await userinfo()).status, 200)

  // --- Connected Applications: the app is listed; "Remove access" revokes it.
  const account = await page.goto(`${BASE_URL}/account/connected-applications`)
  assert.equal(account.status(), 200)
  assert.equal(new URL(page.url()).pathname, '/account/connected-applications', 'still signed in')
  const rows = page.locator('#grants tbody tr[data-grant]')
  assert.equal(await rows.count(), 1)
  const row = rows.filter({ hasText: CLIENT_NAME })
  assert.equal(await row.count(), 1, `no row for ${CLIENT_NAME}`)
  await Promise.all([
    page.waitForLoadState('load'),
    page.waitForURL((u) => u.pathname === '/account/connected-applications'),
    row.getByRole('button', { name: 'Remove access' }).click()
  ])
  await page.locator('#no-grants').waitFor()
  assert.equal(await page.locator('tr[data-grant]').count(), 0, 'the row is gone')

  // Removing access revoked the grant: its access token no longer works.
  assert.equal((await userinfo()).status, 401)

  // --- The front door knows who is signed in.
  await page.goto(`${BASE_URL}/`)
  assert.equal(await page.title(), 'Latchkey')
  assert.match(await page.locator('main').innerText(), new RegExp(USER_EMAIL.replace(/[.@]/g, '\\$&')))
  const homeShot = join(shotDir, 'home.png')
  await page.screenshot({ path: homeShot, fullPage: true })
  console.log(`front door screenshot: ${homeShot}`)

  // --- Logout without an ID token hint asks first (docs/security-review.md finding 8),
  // and the confirmation form, posted by the real browser (Origin: null under
  // no-referrer), passes the session-bound CSRF check (finding 9) and signs out.
  const logout = new URL(`${BASE_URL}/oauth2/logout`)
  logout.searchParams.set('client_id', CLIENT_ID)
  logout.searchParams.set('post_logout_redirect_uri', REDIRECT_URI)
  logout.searchParams.set('state', 'bye')
  await page.goto(logout.href)
  assert.equal(await page.title(), 'Sign out? · Latchkey')
  assert.equal(await page.locator('#client-name').innerText(), CLIENT_NAME)
  const logoutShot = join(shotDir, 'logout_confirm.png')
  await page.screenshot({ path: logoutShot, fullPage: true })
  console.log(`logout confirmation screenshot: ${logoutShot}`)
  // Still signed in: the page only asked.
  await page.goto(`${BASE_URL}/account/connected-applications`)
  assert.equal(new URL(page.url()).pathname, '/account/connected-applications', 'asking signed nobody out')
  await page.goto(logout.href)
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${REDIRECT_URI}?`)),
    page.click('button[name=confirm][value=yes]')
  ])
  assert.equal(new URL(page.url()).searchParams.get('state'), 'bye')
  await page.goto(`${BASE_URL}/account/connected-applications`)
  assert.equal(new URL(page.url()).pathname, '/login', 'signed out')
})
