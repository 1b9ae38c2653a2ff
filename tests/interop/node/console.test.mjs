// Adobe's own `@adobe/aio-lib-console` (the library `aio console` is built on) against
// Latchkey's console API: the organizations, an org's projects, a project, its
// workspaces and its workspace, with Adobe's numeric ids. The library's host is fixed
// (developers.adobe.io), so its request interceptor is wrapped to send every call to
// Latchkey instead (docs/console-contract.md §1, "Redirecting to Latchkey", way 1).
//
// Run by crates/latchkey/tests/it/interop.rs (interop_aio_lib_console_reads), which
// passes LATCHKEY_URL, LATCHKEY_ACCESS_TOKEN (a person's, with adobeio_api),
// LATCHKEY_CLIENT_ID (the x-api-key) and LATCHKEY_ORG_ID (the IMS org id, Adobe's `code`).

import test from 'node:test'
import assert from 'node:assert/strict'
import sdk from '@adobe/aio-lib-console'

function requiredEnv (name) {
  const value = process.env[name]
  if (!value) throw new Error(`environment variable ${name} is not set (see tests/interop/node/console.test.mjs)`)
  return value
}

const BASE = new URL(requiredEnv('LATCHKEY_URL'))
const TOKEN = requiredEnv('LATCHKEY_ACCESS_TOKEN')
const API_KEY = requiredEnv('LATCHKEY_CLIENT_ID')
const ORG_CODE = requiredEnv('LATCHKEY_ORG_ID')

async function client (token, apiKey) {
  const c = await sdk.init(token, apiKey, 'prod')
  const intercept = c.sdk.requestInterceptor
  c.sdk.requestInterceptor = (req) => {
    const r = intercept(req)
    const u = new URL(r.url)
    u.protocol = BASE.protocol
    u.host = BASE.host
    r.url = u.href
    return r
  }
  return c
}

test('aio-lib-console reads orgs, projects and workspaces from Latchkey', async () => {
  const c = await client(TOKEN, API_KEY)
  const orgs = (await c.getOrganizations()).body
  const org = orgs.find((o) => o.code === ORG_CODE)
  assert.ok(org, `the org ${ORG_CODE} is listed: ${JSON.stringify(orgs)}`)
  assert.match(org.id, /^[0-9]+$/)
  assert.equal(org.type, 'entp', 'the CLI keeps only entp orgs')

  const projects = (await c.getProjectsForOrg(org.id)).body
  assert.equal(projects.length, 1, JSON.stringify(projects))
  const project = projects[0]
  assert.match(project.id, /^[0-9]{19}$/)
  assert.equal(project.org_id, org.id)
  assert.deepEqual((await c.getProject(org.id, project.id)).body, project)

  const workspaces = (await c.getWorkspacesForProject(org.id, project.id)).body
  assert.equal(workspaces.length, 1)
  assert.equal(workspaces[0].name, 'Production')
  assert.match(workspaces[0].id, /^[0-9]{19}$/)
  assert.deepEqual((await c.getWorkspace(org.id, project.id, workspaces[0].id)).body, workspaces[0])

  // The library reports the console's errors with their status and x-request-id.
  await assert.rejects(c.getProjectsForOrg('99999999'), (e) => {
    assert.match(e.message, /404/)
    assert.match(e.message, /x-request-id/)
    return true
  })
  const keyless = await client(TOKEN, 'not-a-client')
  await assert.rejects(keyless.getOrganizations(), /403/)
})
