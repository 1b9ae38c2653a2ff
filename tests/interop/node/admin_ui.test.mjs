// The Admin Console (/admin) in a real headless Chromium (Debian's `chromium`, driven over
// CDP by playwright-core, as console_ui.test.mjs does), along the seeds' Workfront
// walkthrough: a developer cannot open /admin; the org's system admin searches users for
// "techacct", finds the technical account of a server-to-server credential (a Contributor
// of Workfront), adds it as admin of a Workfront product profile, and validate_token then
// reports it as admin of Workfront; on the instance's page the technical account is listed
// under "API credentials" and made admin of a second profile in two clicks; the last
// system admin cannot demote themselves; a person is invited and sets their password
// through the one-time link; the audit log lists who changed the profiles. Every page is
// screenshotted into a temp dir.
//
// Run by crates/latchkey/tests/it/interop.rs (interop_chromium_admin_console), or by hand:
//   LATCHKEY_URL=... LATCHKEY_ORG_ID=... LATCHKEY_ORG_NAME=... LATCHKEY_ADMIN_EMAIL=...
//   LATCHKEY_DEV_EMAIL=... LATCHKEY_USER_PASSWORD=... LATCHKEY_PROFILE_NAME=...
//   LATCHKEY_INSTANCE_NAME=... LATCHKEY_TECH_EMAIL=... LATCHKEY_CLIENT_ID=...
//   LATCHKEY_CLIENT_SECRET=... node --test tests/interop/node/admin_ui.test.mjs

import test from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:http'
import { chromium } from 'playwright-core'

function requiredEnv (name) {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is not set (see tests/interop/node/admin_ui.test.mjs)`)
  return value
}

const BASE_URL = requiredEnv('LATCHKEY_URL').replace(/\/+$/, '')
const ORG_ID = requiredEnv('LATCHKEY_ORG_ID')
const ORG_NAME = requiredEnv('LATCHKEY_ORG_NAME')
const ADMIN = requiredEnv('LATCHKEY_ADMIN_EMAIL')
const DEV = requiredEnv('LATCHKEY_DEV_EMAIL')
const PASSWORD = requiredEnv('LATCHKEY_USER_PASSWORD')
const PROFILE = requiredEnv('LATCHKEY_PROFILE_NAME')
const INSTANCE = requiredEnv('LATCHKEY_INSTANCE_NAME')
const TECH = requiredEnv('LATCHKEY_TECH_EMAIL')
const CLIENT_ID = requiredEnv('LATCHKEY_CLIENT_ID')
const CLIENT_SECRET = requiredEnv('LATCHKEY_CLIENT_SECRET')
const CHROMIUM = process.env.LATCHKEY_CHROMIUM || '/usr/bin/chromium'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

const shotDir = mkdtempSync(join(tmpdir(), 'latchkey-admin-'))
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

async function shot (page, name) {
  const path = join(shotDir, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  assert.ok(statSync(path).size > 1000, `${name}: the screenshot is not empty`)
  assert.deepEqual([...readFileSync(path).subarray(0, 8)], PNG, `${name}: a PNG`)
  console.log(`screenshot ${name}: ${path}`)
}

async function signIn (browser, email, password = PASSWORD) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20000)
  page.setDefaultNavigationTimeout(20000)
  page.on('dialog', (d) => d.accept())
  await page.goto(`${BASE_URL}/admin`)
  assert.equal(new URL(page.url()).pathname, '/login', 'the Admin Console asks to sign in first')
  await page.fill('#username', email)
  await page.fill('#password', password)
  await Promise.all([page.waitForURL((u) => u.pathname === '/admin'), page.click('button[type=submit]')])
  return { context, page }
}

// A webhook receiver on loopback: echoes the challenge, records each delivery.
async function receiver () {
  const got = []
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    if (req.method === 'GET') { res.end(url.searchParams.get('challenge') || ''); return }
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => { got.push({ headers: req.headers, body }); res.end('ok') })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/hook`, got, close: () => server.close() }
}

async function go (page, locator) {
  await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), locator.click()])
}

// What validate_token says of a fresh client-credentials token of the technical account.
async function workfrontRole () {
  const t = await fetch(`${BASE_URL}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'openid,workfront.read' })
  })
  assert.equal(t.status, 200, await t.clone().text())
  const { access_token: token } = await t.json()
  const v = await fetch(`${BASE_URL}/ims/validate_token/v1`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ type: 'access_token', client_id: CLIENT_ID, token })
  })
  assert.equal(v.status, 200)
  const body = await v.json()
  assert.equal(body.valid, true, JSON.stringify(body))
  const wf = (body.product_roles || []).filter((r) => r.product === 'Workfront' && r.org_id === ORG_ID)
  assert.equal(wf.length, 1, JSON.stringify(body.product_roles))
  return wf[0].role
}

test('Chromium: the Admin Console', { timeout: 240000 }, async (t) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000 })
  t.after(() => browser.close())
  const usersUrl = `${BASE_URL}/admin/orgs/${encodeURIComponent(ORG_ID)}/users`

  // ---------------------------------------------------------------- a developer: 403
  {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    const page = await context.newPage()
    await page.goto(`${BASE_URL}/login?return_to=%2Fadmin`)
    await page.fill('#username', DEV)
    await page.fill('#password', PASSWORD)
    const [resp] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/admin'), page.click('button[type=submit]')])
    assert.equal(resp.status(), 403, 'a developer cannot open /admin')
    assert.match(await page.locator('#forbidden').innerText(), /system admins/)
    await shot(page, 'developer-forbidden')
    const direct = await page.goto(usersUrl)
    assert.equal(direct.status(), 403, "nor the org's user list")
    assert.equal(await page.locator('#users').count(), 0, 'and sees no user')
    await context.close()
  }

  // ---------------------------------------------------------------- the system admin
  const { page } = await signIn(browser, ADMIN)
  assert.equal(await page.title(), 'Admin Console · Latchkey')
  await shot(page, 'orgs')
  await go(page, page.locator('#orgs').getByRole('link', { name: ORG_NAME }))
  assert.equal(page.url(), usersUrl)
  assert.ok(await page.locator('#users tr[data-email]').count() >= 3, 'every member is listed')
  await shot(page, 'users')

  // A webhook for profile changes, from the project's I/O Events page (the URL answers
  // the challenge first).
  const hook = await receiver()
  t.after(() => hook.close())
  await page.goto(`${BASE_URL}/console`)
  await go(page, page.locator('#orgs').getByRole('link', { name: ORG_NAME }))
  await go(page, page.locator('#projects').getByRole('link', { name: 'Sync' }))
  await go(page, page.locator('#events-link'))
  await page.getByLabel('Webhook URL').fill(hook.url)
  await page.getByRole('checkbox', { name: 'product_profile.member_changed' }).check()
  await go(page, page.getByRole('button', { name: 'Add webhook' }))
  assert.equal(await page.locator('#notice').innerText(), 'Webhook added: it answered the challenge.')
  const deliveriesUrl = new URL(await page.locator('#subscriptions a').first().getAttribute('href'), BASE_URL).href
  await shot(page, 'events')
  await page.goto(usersUrl)

  // Search "techacct": the technical account of the server-to-server credential, alone.
  await page.getByLabel('Search by email, name or id').fill('techacct')
  await go(page, page.getByRole('button', { name: 'Search' }))
  const rows = page.locator('#users tr[data-email]')
  assert.equal(await rows.count(), 1, 'only the technical account matches')
  const techRow = page.locator(`#users tr[data-email="${TECH}"]`)
  assert.match(await techRow.innerText(), /Technical account/)
  await shot(page, 'search-techacct')
  await go(page, techRow.getByRole('link', { name: TECH }))
  assert.match(await page.locator('#credential').innerText(), new RegExp(CLIENT_ID))
  assert.match(await page.locator('#product-roles').innerText(), /Workfront Production\tContributor/)
  assert.equal(await workfrontRole(), 'contributor', 'a Contributor of Workfront by default')

  // Add it as admin of the Workfront profile.
  await page.getByLabel('Add to product profile').selectOption({ label: `${INSTANCE} › ${PROFILE}` })
  await page.getByLabel('as profile admin').check()
  await go(page, page.getByRole('button', { name: 'Add to profile' }))
  assert.equal(await page.locator('#notice').innerText(), 'Added to the product profile.')
  assert.match(await page.locator('#product-roles').innerText(), /Workfront Production\tAdmin/)
  assert.match(await page.locator('#profiles').innerText(), /Profile admin/)
  await shot(page, 'technical-account-admin')
  assert.equal(await workfrontRole(), 'admin', 'validate_token reports it as admin of Workfront')

  // The instance's page lists it under "API credentials", with its credential.
  await go(page, page.locator('#product-roles').getByRole('link', { name: INSTANCE }))
  const credRow = page.locator(`#api-credentials tr[data-email="${TECH}"]`)
  assert.match(await credRow.innerText(), /Admin/)
  assert.match(await credRow.innerText(), new RegExp(CLIENT_ID))
  // A second profile, and the technical account made its admin in two clicks.
  await page.getByLabel('New product profile').fill('Workfront Reviewers')
  await go(page, page.getByRole('button', { name: 'Create profile' }))
  assert.equal(await page.locator('#notice').innerText(), 'Product profile created.')
  await credRow.getByRole('combobox').selectOption({ label: 'Workfront Reviewers' })
  await go(page, credRow.getByRole('button', { name: 'Make admin' }))
  assert.equal(await page.locator('#notice').innerText(), 'Technical account added as product profile admin.')
  const reviewers = page.locator('section.profile[data-profile="Workfront Reviewers"]')
  assert.match(await reviewers.innerText(), new RegExp(`${TECH.replace(/[.]/g, '\\.')}[\\s\\S]*Profile admin`))
  await shot(page, 'instance')
  // Renamed, then deleted: the first profile still makes it admin.
  await reviewers.getByLabel('New name for Workfront Reviewers').fill('Workfront Approvers')
  await go(page, reviewers.getByRole('button', { name: 'Rename' }))
  assert.equal(await page.locator('#notice').innerText(), 'Product profile renamed.')
  const approvers = page.locator('section.profile[data-profile="Workfront Approvers"]')
  await go(page, approvers.getByRole('button', { name: 'Delete profile' }))
  assert.equal(await page.locator('#notice').innerText(), 'Product profile deleted.')
  assert.equal(await page.locator('section.profile[data-profile="Workfront Approvers"]').count(), 0)
  assert.equal(await workfrontRole(), 'admin')

  // The webhook got both profile changes, signed; the delivery log says delivered.
  for (let i = 0; i < 100 && hook.got.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(hook.got.length, 2, 'one delivery per profile change')
  for (const d of hook.got) {
    assert.equal(JSON.parse(d.body).type, 'product_profile.member_changed')
    assert.match(d.headers['x-latchkey-signature'], /^[\w-]+\.[\w-]+\.[\w-]+$/)
    assert.ok(d.headers['x-latchkey-delivery-id'])
  }
  await page.goto(deliveriesUrl)
  assert.equal(await page.locator('#deliveries tr[data-status="delivered"]').count(), 2)
  await go(page, page.locator('#deliveries tr[data-status="delivered"]').first().getByRole('button', { name: 'Redeliver' }))
  assert.match(await page.locator('#notice').innerText(), /Queued again/)
  for (let i = 0; i < 100 && hook.got.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(hook.got.length, 3, 'redelivered')
  assert.equal(hook.got[2].headers['x-latchkey-delivery-id'], hook.got[1].headers['x-latchkey-delivery-id'], 'with the same id')
  await shot(page, 'deliveries')

  // The audit log shows who made the technical account an admin, and from where.
  await page.goto(`${BASE_URL}/admin/orgs/${encodeURIComponent(ORG_ID)}/audit`)
  await page.getByLabel('Event').selectOption('product_profile.member_changed')
  await go(page, page.getByRole('button', { name: 'Filter' }))
  const entries = page.locator('#audit tr[data-action="product_profile.member_changed"]')
  assert.equal(await entries.count(), 2, 'two profiles, one entry each')
  assert.match(await entries.first().innerText(), new RegExp(`${ADMIN.replace(/[.]/g, '\\.')}[\\s\\S]*127\\.0\\.0\\.1`))
  assert.equal(await page.locator('#audit tr[data-action="user.signed_in"]').count(), 0, 'filtered')
  await shot(page, 'audit')

  // The last system admin cannot be demoted.
  await page.goto(`${usersUrl}?q=${encodeURIComponent(ADMIN)}`)
  await go(page, page.locator(`#users tr[data-email="${ADMIN}"]`).getByRole('link', { name: ADMIN }))
  await page.getByLabel('Role').selectOption('developer')
  await go(page, page.getByRole('button', { name: 'Change role' }))
  assert.match(await page.locator('#error').innerText(), /at least one enabled system admin/)
  assert.equal(await page.locator('#org-role').innerText(), 'System admin')
  await shot(page, 'last-admin-refused')

  // Invite a person: the link is shown once; it sets their password, then never again.
  await page.goto(usersUrl)
  await page.getByLabel('Email', { exact: true }).fill('marie@acme.example')
  await page.getByLabel('Given name').fill('Marie')
  await page.getByLabel('Org role').selectOption('developer')
  await go(page, page.getByRole('button', { name: 'Add user' }))
  const link = await page.locator('#invite-link').inputValue()
  assert.match(link, /\/invite\/[A-Za-z0-9_-]{40,}$/)
  assert.match(await page.locator('#users tr[data-email="marie@acme.example"]').innerText(), /Invited/)
  await shot(page, 'invited')
  const invitee = await browser.newContext({ viewport: { width: 1200, height: 800 } })
  const ip = await invitee.newPage()
  await ip.goto(link)
  assert.match(await ip.locator('h1').innerText(), new RegExp(ORG_NAME))
  await ip.getByLabel('New password').fill('marie-s3cret-pass')
  await ip.getByLabel('Repeat it').fill('marie-s3cret-pass')
  await Promise.all([ip.waitForURL((u) => u.pathname === '/login'), ip.getByRole('button', { name: 'Set password' }).click()])
  await ip.fill('#username', 'marie@acme.example')
  await ip.fill('#password', 'marie-s3cret-pass')
  await Promise.all([ip.waitForURL((u) => u.pathname === '/console'), ip.click('button[type=submit]')])
  const again = await ip.goto(link)
  assert.equal(again.status(), 404, 'the link works once')
  await invitee.close()

  // Remove a member: invited by mistake, taken out again from their page (the confirm
  // dialog is accepted), and gone from the list.
  await page.goto(usersUrl)
  await page.getByLabel('Email', { exact: true }).fill('oops@acme.example')
  await page.getByLabel('Org role').selectOption('user')
  await go(page, page.getByRole('button', { name: 'Add user' }))
  const firstLink = await page.locator('#invite-link').inputValue()
  await go(page, page.locator('#users tr[data-email="oops@acme.example"]').getByRole('link'))
  await shot(page, 'member')
  // A new link replaces the first (lost, or expired): shown once on the list.
  await go(page, page.getByRole('button', { name: 'New invitation link' }))
  const secondLink = await page.locator('#invite-link').inputValue()
  assert.match(secondLink, /\/invite\/[A-Za-z0-9_-]{40,}$/)
  assert.notEqual(secondLink, firstLink)
  assert.match(await page.locator('#notice').innerText(), /old one no longer works/)
  await shot(page, 'reinvited')
  await go(page, page.locator('#users tr[data-email="oops@acme.example"]').getByRole('link'))
  await go(page, page.getByRole('button', { name: 'Remove from organization' }))
  assert.equal(new URL(page.url()).pathname, new URL(usersUrl).pathname)
  assert.match(await page.locator('#notice').innerText(), /removed from the organization/)
  assert.equal(await page.locator('#users tr[data-email="oops@acme.example"]').count(), 0)
  await shot(page, 'member-removed')

  // Promote the new developer to system admin; now the first admin may step down.
  await page.goto(`${usersUrl}?q=marie`)
  await go(page, page.locator('#users tr[data-email="marie@acme.example"]').getByRole('link'))
  await page.getByLabel('Role').selectOption('system_admin')
  await go(page, page.getByRole('button', { name: 'Change role' }))
  assert.equal(await page.locator('#org-role').innerText(), 'System admin')
  await page.goto(`${usersUrl}?q=${encodeURIComponent(ADMIN)}`)
  await go(page, page.locator(`#users tr[data-email="${ADMIN}"]`).getByRole('link', { name: ADMIN }))
  await page.getByLabel('Role').selectOption('developer')
  await go(page, page.getByRole('button', { name: 'Change role' }))
  // No longer a system admin: sent to the Developer Console, and /admin is closed.
  assert.equal(new URL(page.url()).pathname, '/console')
  const closed = await page.goto(`${BASE_URL}/admin`)
  assert.equal(closed.status(), 403)
})
