// The Developer Console (/console) in a real headless Chromium (Debian's `chromium`,
// driven over CDP by playwright-core, as browser.test.mjs does): a system admin signs in,
// creates a project, adds an API, creates a server-to-server credential (picking a product
// profile) and copies its secret, shown once; rotates it; creates an OAuth Web credential
// and edits its redirect URIs; creates a service account, uploads a certificate, generates
// a key pair, converts it to server-to-server; downloads the workspace JSON; deletes a
// credential. Then a developer and a read-only user see what their role allows, and a
// member of another org sees nothing of it. Every page is screenshotted into a temp dir;
// with LATCHKEY_SCREENSHOT_DIR set (e.g. docs/images, from the repository root) a few are
// also written there for the README.
//
// Run by crates/latchkey/tests/it/interop.rs (interop_chromium_developer_console), or by
// hand against a server whose org, users and product profile exist:
//   LATCHKEY_URL=http://127.0.0.1:PORT LATCHKEY_ORG_NAME='Acme Robotics' \
//   LATCHKEY_ADMIN_EMAIL=... LATCHKEY_DEV_EMAIL=... LATCHKEY_VIEWER_EMAIL=... \
//   LATCHKEY_OUTSIDER_EMAIL=... LATCHKEY_USER_PASSWORD=... LATCHKEY_PROFILE_NAME=... \
//   node --test tests/interop/node/console_ui.test.mjs

import test from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

function requiredEnv (name) {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is not set (see tests/interop/node/console_ui.test.mjs)`)
  return value
}

const BASE_URL = requiredEnv('LATCHKEY_URL').replace(/\/+$/, '')
const ORG_NAME = requiredEnv('LATCHKEY_ORG_NAME')
const ADMIN = requiredEnv('LATCHKEY_ADMIN_EMAIL')
const DEV = requiredEnv('LATCHKEY_DEV_EMAIL')
const VIEWER = requiredEnv('LATCHKEY_VIEWER_EMAIL')
const OUTSIDER = requiredEnv('LATCHKEY_OUTSIDER_EMAIL')
const PASSWORD = requiredEnv('LATCHKEY_USER_PASSWORD')
const PROFILE = requiredEnv('LATCHKEY_PROFILE_NAME')
const CHROMIUM = process.env.LATCHKEY_CHROMIUM || '/usr/bin/chromium'
const README_DIR = process.env.LATCHKEY_SCREENSHOT_DIR || ''

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

const shotDir = mkdtempSync(join(tmpdir(), 'latchkey-console-'))
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

// Every page into the temp dir (full page); the README's few, viewport-sized, into
// LATCHKEY_SCREENSHOT_DIR when it is set.
async function shot (page, name, readme = false) {
  const path = join(shotDir, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  assert.ok(statSync(path).size > 1000, `${name}: the screenshot is not empty`)
  assert.deepEqual([...readFileSync(path).subarray(0, 8)], PNG, `${name}: a PNG`)
  console.log(`screenshot ${name}: ${path}`)
  if (readme && README_DIR) {
    mkdirSync(README_DIR, { recursive: true })
    await page.screenshot({ path: join(README_DIR, `console-${name}.png`) })
  }
}

// A public certificate to upload: a self-signed X.509 made by openssl when it is there
// (it has an expiry to list), else a bare public key (no expiry).
function certificate () {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cert-'))
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=console-test',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
  if (r.status === 0) return { path: join(dir, 'cert.pem'), expires: true }
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  writeFileSync(join(dir, 'key.pub'), publicKey.export({ type: 'spki', format: 'pem' }))
  return { path: join(dir, 'key.pub'), expires: false }
}

async function signIn (browser, email, { clipboard = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, acceptDownloads: true })
  if (clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL })
  const page = await context.newPage()
  page.setDefaultTimeout(20000)
  page.setDefaultNavigationTimeout(20000)
  // The console asks before destructive changes (console.js); this user says yes.
  page.on('dialog', (d) => d.accept())
  await page.goto(`${BASE_URL}/console`)
  assert.equal(new URL(page.url()).pathname, '/login', 'the console asks to sign in first')
  await page.fill('#username', email)
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname === '/console'), page.click('button[type=submit]')])
  return { context, page }
}

// Submit by clicking and wait for the next page to load.
async function go (page, locator) {
  await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), locator.click()])
}

test('Chromium: the Developer Console by org role', { timeout: 240000 }, async (t) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000 })
  t.after(() => browser.close())

  // ---------------------------------------------------------------- system admin
  const { page } = await signIn(browser, ADMIN, { clipboard: true })
  assert.equal(await page.title(), 'Developer Console · Latchkey')
  const orgRow = page.locator('#orgs tbody tr', { hasText: ORG_NAME })
  assert.match(await orgRow.innerText(), /System administrator/)
  await shot(page, 'orgs')
  await go(page, orgRow.getByRole('link', { name: ORG_NAME }))
  await page.locator('#no-projects').waitFor()
  await shot(page, 'org')

  // Create a project with the keyboard only: the labelled field, then Enter.
  await page.getByLabel('Project name').focus()
  await page.keyboard.type('Storefront')
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
  assert.match(new URL(page.url()).pathname, /^\/console\/projects\//)
  assert.equal(await page.locator('#notice').innerText(), 'Project created.')
  const projectUrl = page.url().split('?')[0]
  assert.match(await page.locator('#activity').innerText(), /Project “Storefront” created/)

  // Add Workfront from the catalog: its scopes, metascopes and kinds are listed.
  // The catalog is open while the project has no API (a <details>; no script needed).
  assert.equal(await page.locator('#catalog').getAttribute('open'), '')
  const wf = page.locator('#catalog label.choice', { hasText: 'Adobe Workfront' })
  assert.match(await wf.innerText(), /workfront\.read/)
  assert.match(await wf.innerText(), /ent_workfront_sdk/)
  await wf.locator('input[type=radio]').check()
  await go(page, page.getByRole('button', { name: 'Add API' }))
  assert.equal(await page.locator('#notice').innerText(), 'API added to the project.')
  assert.match(await page.locator('#apis tr[data-api=workfront]').innerText(), /Server-to-Server/)

  // Server-to-server: the wizard asks the kind, then a name and the product profiles.
  await go(page, page.locator('#new-credential'))
  await shot(page, 'new-credential-kind')
  await page.getByLabel(/OAuth Server-to-Server/).check()
  await go(page, page.getByRole('button', { name: 'Next' }))
  assert.equal(await page.locator('textarea[name=redirect_uris]').count(), 0, 'no redirect URIs asked')
  await page.getByLabel('Credential name').fill('Nightly sync')
  await page.getByLabel(PROFILE).check()
  await shot(page, 'new-credential', true)
  await go(page, page.getByRole('button', { name: 'Create credential' }))
  assert.match(await page.locator('h1').innerText(), /credential created/)
  const s2sId = (await page.locator('#client-id').innerText()).trim()
  const secret = await page.locator('#secret-value').inputValue()
  assert.match(secret, /^lks_/)
  await page.locator('#copy-secret').click()
  await page.getByRole('button', { name: 'Copied' }).waitFor()
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret, 'the copy button copies the secret')
  await shot(page, 'secret-once', true)
  // Only here may the workspace file carry the secret.
  const [withSecret] = await Promise.all([page.waitForEvent('download'), page.locator('#download-with-secret').click()])
  const fileWithSecret = JSON.parse(readFileSync(await withSecret.path(), 'utf8'))
  assert.deepEqual(fileWithSecret.project.workspace.details.credentials[0].oauth_server_to_server.client_secrets, [secret])

  // The secret works at the token endpoint, and is never shown again.
  const token = await fetch(`${BASE_URL}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s2sId, client_secret: secret, scope: 'openid,workfront.read' })
  })
  assert.equal(token.status, 200)
  await go(page, page.locator('#continue'))
  const credUrl = page.url()
  assert.ok(!(await page.content()).includes(secret), 'the secret is not on the credential page')
  assert.equal(await page.locator('#secrets tr[data-secret]').count(), 1)
  assert.match(await page.locator('#snippet').innerText(), /curl -X POST '.*\/ims\/token\/v3'/)
  assert.match(await page.locator('#technical-id').innerText(), /@techacct/i)

  // Rotate: a second secret, shown once on its own page; two live secrets listed.
  await go(page, page.locator('#rotate'))
  const second = await page.locator('#secret-value').inputValue()
  assert.notEqual(second, secret)
  await page.goto(credUrl)
  assert.equal(await page.locator('#secrets tr[data-secret]').count(), 2)
  assert.ok(!(await page.content()).includes(second))
  await shot(page, 'credential', true)

  // Download JSON: the Adobe CLI's workspace shape, without secrets.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()])
  const workspace = JSON.parse(readFileSync(await download.path(), 'utf8'))
  const cred = workspace.project.workspace.details.credentials[0]
  assert.equal(cred.integration_type, 'oauth_server_to_server')
  assert.equal(cred.oauth_server_to_server.client_id, s2sId)
  assert.match(workspace.project.org.id, /^[0-9]+$/)
  assert.ok(!JSON.stringify(workspace).includes('lks_'))

  // OAuth Web: redirect URIs asked and validated; then edited on its page.
  await page.goto(`${projectUrl}/credentials/new`)
  await page.getByLabel(/OAuth Web App/).check()
  await go(page, page.getByRole('button', { name: 'Next' }))
  await page.getByLabel('Credential name').fill('Storefront web')
  await page.getByLabel(/Redirect URIs/).fill('http://shop.example/cb')
  await go(page, page.getByRole('button', { name: 'Create credential' }))
  assert.match(await page.locator('[role=alert]').innerText(), /https|redirect/i, 'plain http refused')
  await page.getByLabel(/Redirect URIs/).fill('https://shop.example/cb')
  await go(page, page.getByRole('button', { name: 'Create credential' }))
  assert.match(await page.locator('#secret-value').inputValue(), /^lks_/)
  await go(page, page.locator('#continue'))
  const webUrl = page.url()
  assert.match(await page.locator('#snippet').innerText(), /\/ims\/authorize\/v2\?client_id=/)
  await page.getByLabel(/Redirect URIs/).fill('https://shop.example/cb\nhttps://shop.example/callback')
  await go(page, page.getByRole('button', { name: 'Save redirect URIs' }))
  assert.equal(await page.locator('#notice').innerText(), 'Redirect URIs saved.')
  assert.match(await page.getByLabel(/Redirect URIs/).inputValue(), /callback/)
  await shot(page, 'web-credential')

  // Service account: upload a certificate (the file picker fills the text box), generate a
  // key pair (the private key downloads once), then convert to server-to-server.
  await page.goto(`${projectUrl}/credentials/new?kind=service_account_jwt`)
  await page.getByLabel('Credential name').fill('Legacy export')
  await go(page, page.getByRole('button', { name: 'Create credential' }))
  await go(page, page.locator('#continue'))
  const saUrl = page.url()
  assert.match(await page.locator('#snippet').innerText(), /\/ims\/exchange\/jwt/)
  const cert = certificate()
  await page.setInputFiles('#certificate-file', cert.path)
  await page.waitForFunction(() => document.querySelector('#certificate').value.includes('-----BEGIN'))
  await go(page, page.locator('#upload-certificate'))
  assert.equal(await page.locator('#notice').innerText(), 'Public certificate added.')
  const certRow = page.locator('#certificates tr[data-certificate]')
  assert.equal(await certRow.count(), 1)
  if (cert.expires) assert.match(await certRow.innerText(), /20\d\d-\d\d-\d\d/)
  const [keyDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#generate-key').click()])
  assert.match(readFileSync(await keyDownload.path(), 'utf8'), /^-----BEGIN PRIVATE KEY-----/)
  await page.goto(saUrl)
  assert.equal(await page.locator('#certificates tr[data-certificate]').count(), 2)
  assert.ok(!(await page.content()).includes('PRIVATE KEY'))
  await shot(page, 'service-account')
  await go(page, page.locator('#convert'))
  assert.equal(await page.locator('#notice').innerText(), 'Converted to OAuth Server-to-Server.')
  assert.match(await page.locator('main').innerText(), /OAuth Server-to-Server · created/)

  // Delete the web credential (after the confirmation): back to the project.
  await page.goto(webUrl)
  await go(page, page.locator('#delete'))
  assert.equal(await page.locator('#notice').innerText(), 'Credential deleted.')
  assert.equal(await page.locator('#credentials tr[data-client]').count(), 2)
  await shot(page, 'project', true)

  // ---------------------------------------------------------------- without JavaScript
  // The same console with scripting off: no copy buttons, and changes still work as forms.
  const noJs = await browser.newContext({ viewport: { width: 1200, height: 800 }, javaScriptEnabled: false })
  const plain = await noJs.newPage()
  await plain.goto(`${BASE_URL}/console`)
  await plain.fill('#username', ADMIN)
  await plain.fill('#password', PASSWORD)
  await Promise.all([plain.waitForURL((u) => u.pathname === '/console'), plain.click('button[type=submit]')])
  await plain.goto(credUrl)
  assert.equal(await plain.locator('button[data-copy]').first().isVisible(), false, 'copy buttons need the script')
  await plain.goto(projectUrl)
  await plain.getByLabel('Project name').fill('Storefront EU')
  await go(plain, plain.getByRole('button', { name: 'Rename' }))
  assert.equal(await plain.locator('#notice').innerText(), 'Project renamed.')
  assert.equal(await plain.locator('#project-title').innerText(), 'Storefront EU')
  await shot(plain, 'project-no-js')

  // ---------------------------------------------------------------- developer
  const dev = await signIn(browser, DEV)
  assert.match(await dev.page.locator('#orgs').innerText(), /Developer/)
  await dev.page.goto(credUrl)
  assert.equal(await dev.page.locator('#rotate').count(), 1, 'a developer may rotate where the org allows')
  await dev.page.goto(projectUrl)
  assert.equal(await dev.page.locator('#new-credential').count(), 1)
  await shot(dev.page, 'developer-project')

  // ---------------------------------------------------------------- read-only user
  const viewer = await signIn(browser, VIEWER)
  assert.match(await viewer.page.locator('#orgs').innerText(), /read-only/)
  await viewer.page.goto(projectUrl)
  assert.equal(await viewer.page.locator('#read-only').count(), 1)
  assert.equal(await viewer.page.locator('#new-credential').count(), 0)
  assert.equal(await viewer.page.locator('form[method=post]').count(), 0, 'no change offered')
  await viewer.page.goto(credUrl)
  assert.equal(await viewer.page.locator('#rotate').count(), 0)
  assert.equal((await viewer.page.locator('#client-id').innerText()).trim(), s2sId)
  await shot(viewer.page, 'viewer-credential')

  // ---------------------------------------------------------------- another org
  const out = await signIn(browser, OUTSIDER)
  assert.ok(!(await out.page.locator('main').innerText()).includes(ORG_NAME))
  for (const url of [projectUrl, credUrl, `${credUrl}/workspace.json`]) {
    const r = await out.page.goto(url)
    assert.equal(r.status(), 404, url)
    assert.ok(!(await out.page.content()).includes('Storefront'), url)
    assert.ok(!(await out.page.content()).includes(s2sId), url)
  }
  await shot(out.page, 'outsider-404')
})
