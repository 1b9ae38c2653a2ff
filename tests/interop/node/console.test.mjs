// Adobe's own `@adobe/aio-lib-console` (the library `aio console` is built on) against
// Latchkey's console API: first the reads (organizations, an org's projects, a project,
// its workspaces and its workspace, with Adobe's numeric ids), then the journey of
// docs/console-contract.md §6 tiers 1–2: create, list and rename projects, list workspaces,
// create an OAuth Server-to-Server credential, subscribe it to a service with a product
// profile, rotate its secrets, download the workspace file and check it against the App
// Builder schema's rules (§3.6), get a token with the downloaded credential, and delete
// the credential and the project. The library's host is fixed (developers.adobe.io), so
// its request interceptor is wrapped to send every call to Latchkey instead (§1,
// "Redirecting to Latchkey", way 1).
//
// Run by crates/latchkey/tests/it/interop.rs (interop_aio_lib_console_journey), which
// passes LATCHKEY_URL, LATCHKEY_ACCESS_TOKEN (a person's, with adobeio_api and the secret
// scopes), LATCHKEY_CLIENT_ID (the x-api-key), LATCHKEY_ORG_ID (the IMS org id, Adobe's
// `code`) and LATCHKEY_PROFILE_ID (a Workfront product profile of that org).

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
  const project = projects.find((p) => p.name === 'Test Project')
  assert.ok(project, JSON.stringify(projects))
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

// The rules of Adobe's App Builder schema (aio-cli-plugin-app `schema/config.schema.json`)
// that docs/console-contract.md §3.6 lists, checked by hand to keep the suite's
// dependencies to Adobe's own console library.
function checkAppSchema (file) {
  const must = (cond, what) => assert.ok(cond, `${what}: ${JSON.stringify(file)}`)
  const text = (v, re, what) => must(typeof v === 'string' && re.test(v), what)
  const uri = (v, what) => {
    let ok = false
    try { ok = ['http:', 'https:'].includes(new URL(v).protocol) } catch {}
    must(ok, `${what} is a URI`)
  }
  const project = file.project
  must(project && typeof project === 'object', 'project')
  text(project.id, /^[0-9]+$/, 'project.id')
  text(project.name, /^[a-zA-Z0-9]{0,20}$/, 'project.name')
  text(project.title, /^(?=\S).{0,45}(?<=\S)$/, 'project.title')
  text(project.org.id, /^[0-9]+$/, 'org.id')
  text(project.org.name, /^(?=\S).{0,255}(?<=\S)$/, 'org.name')
  text(project.org.ims_org_id, /^(\w+)@(\w+)/, 'org.ims_org_id')
  const ws = project.workspace
  must(ws && !project.org.workspace, 'workspace is a sibling of org under project')
  text(ws.id, /^[0-9]+$/, 'workspace.id')
  text(ws.name, /^(?=\S).{0,20}(?<=\S)$/, 'workspace.name')
  uri(ws.action_url, 'workspace.action_url')
  uri(ws.app_url, 'workspace.app_url')
  must(Array.isArray(ws.details.credentials), 'details.credentials')
  must(Array.isArray(ws.details.services), 'details.services')
  must(Array.isArray(ws.details.runtime.namespaces), 'details.runtime.namespaces')
  for (const s of ws.details.services) must(typeof s.code === 'string' && typeof s.name === 'string', 'service code and name')
  for (const c of ws.details.credentials) {
    must(typeof c.id === 'string' && typeof c.name === 'string', 'credential id and name')
    const shapes = ['oauth2', 'api_key', 'jwt', 'oauth_server_to_server'].filter((k) => k in c)
    const jwtAndS2s = shapes.length === 2 && shapes.includes('jwt') && shapes.includes('oauth_server_to_server')
    must(shapes.length === 1 || jwtAndS2s, `exactly one credential shape in ${JSON.stringify(c)}`)
    if (c.oauth2) {
      must(typeof c.oauth2.client_id === 'string' && Array.isArray(c.oauth2.redirect_uri), 'oauth2')
      uri(c.oauth2.defaultRedirectUri, 'oauth2.defaultRedirectUri')
      if (c.integration_type !== 'oauthsinglepageapp') must(typeof c.oauth2.client_secret === 'string', 'oauth2.client_secret')
    }
    if (c.oauth_server_to_server) {
      const o = c.oauth_server_to_server
      must(typeof o.client_id === 'string' && Array.isArray(o.client_secrets) && Array.isArray(o.scopes), 'oauth_server_to_server')
      must(o.technical_account_id.includes('@') && o.technical_account_email.includes('@'), 'technical account')
    }
    if (c.api_key) must(typeof c.api_key.client_id === 'string', 'api_key.client_id')
  }
}

test('aio-lib-console creates, subscribes, rotates and downloads; the credential then gets a token', async () => {
  const PROFILE_ID = requiredEnv('LATCHKEY_PROFILE_ID')
  const c = await client(TOKEN, API_KEY)
  const org = (await c.getOrganizations()).body.find((o) => o.code === ORG_CODE)

  const created = await c.createProject(org.id, { name: 'interop', title: 'Interop', type: 'default', description: 'made by aio-lib-console' })
  assert.equal(created.status, 201)
  const { projectId, workspaceId } = created.body
  assert.match(projectId, /^[0-9]{19}$/)
  const projects = (await c.getProjectsForOrg(org.id)).body
  assert.ok(projects.some((p) => p.id === projectId && p.name === 'interop'), JSON.stringify(projects))
  const workspaces = (await c.getWorkspacesForProject(org.id, projectId)).body
  assert.deepEqual(workspaces.map((w) => w.id), [workspaceId])
  await assert.rejects(c.createWorkspace(org.id, projectId, { name: 'Stage' }), /400/)

  const edited = await c.editProject(org.id, projectId, { name: 'interopTwo', title: 'Interop Two', description: 'renamed' })
  assert.equal(edited.body.name, 'interopTwo')
  assert.equal((await c.getProject(org.id, projectId)).body.name, 'interopTwo')

  const cred = (await c.createOAuthServerToServerCredential(org.id, projectId, workspaceId, 'interop-s2s', 'made by aio-lib-console')).body
  assert.match(cred.id, /^[0-9]+$/)
  assert.match(cred.apiKey, /^[0-9a-f]{32}$/)
  const listed = (await c.getCredentials(org.id, projectId, workspaceId)).body
  assert.deepEqual(listed.map((x) => [x.id_integration, x.flow_type, x.integration_type]), [[cred.id, 'entp', 'oauth_server_to_server']])

  const services = (await c.getServicesForOrg(org.id)).body
  const workfront = services.find((s) => s.code === 'WorkfrontSDK')
  assert.ok(workfront && workfront.enabled && workfront.type === 'entp', JSON.stringify(services))
  const v2 = (await c.getServicesForOrgV2(ORG_CODE, 'WorkfrontSDK')).body
  assert.equal(v2.orgCode, ORG_CODE)
  assert.deepEqual(v2.services, [workfront])
  const profile = workfront.properties.licenseConfigs.find((l) => l.id === PROFILE_ID)
  assert.ok(profile, JSON.stringify(workfront))
  const sub = await c.subscribeCredentialToServices(org.id, projectId, workspaceId, 'oauth_server_to_server', cred.id,
    [{ sdkCode: workfront.code, roles: null, licenseConfigs: [{ op: 'add', id: profile.id, productId: profile.productId }] }])
  assert.deepEqual(sub.body.sdkList, ['WorkfrontSDK'])
  assert.deepEqual((await c.getWorkspaceForCredential(org.id, cred.id)).body, { projectId, workspaceId })
  assert.deepEqual((await c.getProjectForWorkspace(org.id, workspaceId)).body, { projectId, workspaceId })
  const integration = (await c.getIntegration(org.id, cred.id)).body
  assert.equal(integration.type, 'entp')
  assert.deepEqual(integration.serviceProperties[0].licenseConfigs.map((l) => l.id), [PROFILE_ID])

  // The secrets trio has no wrapper method (§2 notes): the spec's own operations.
  const ops = c.sdk.apis.Organizations
  const opts = (p) => [{ 'x-api-key': API_KEY, Authorization: '__placeholder__', ...p }, {}]
  const ids = { orgId: org.id, credentialId: cred.id }
  const before = (await ops.get_console_organizations__orgId__credentials__credentialId__secrets(...opts(ids))).body
  assert.equal(before.client_secrets.length, 1)
  const added = await ops.post_console_organizations__orgId__credentials__credentialId__secrets(...opts(ids))
  assert.equal(added.status, 201)
  const secret = added.body.client_secret
  assert.ok(secret, JSON.stringify(added.body))
  const removed = await ops.delete_console_organizations__orgId__credentials__credentialId__secrets__secretId_(...opts({ ...ids, secretId: before.client_secrets[0].uuid }))
  assert.equal(removed.status, 204)
  const after = (await ops.get_console_organizations__orgId__credentials__credentialId__secrets(...opts(ids))).body
  assert.deepEqual(after.client_secrets.map((s) => s.uuid), [added.body.uuid])
  assert.ok(!JSON.stringify(after).includes(secret), 'no plaintext in the list')

  const file = (await c.downloadWorkspaceJson(org.id, projectId, workspaceId)).body
  checkAppSchema(file)
  assert.equal(file.project.id, projectId)
  assert.equal(file.project.org.ims_org_id, ORG_CODE)
  assert.deepEqual(file.project.workspace.details.services, [{ code: 'WorkfrontSDK', name: workfront.name }])
  const entry = file.project.workspace.details.credentials.find((x) => x.id === cred.id)
  const s2s = entry.oauth_server_to_server
  assert.equal(s2s.client_id, cred.apiKey)
  assert.ok(s2s.scopes.includes('workfront.read'), JSON.stringify(s2s))

  // The downloaded credential, with the secret shown once at rotation, gets a token.
  const r = await fetch(new URL('/ims/token/v3', BASE), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: s2s.client_id, client_secret: secret, scope: s2s.scopes.join(',') })
  })
  const tokens = await r.json()
  assert.equal(r.status, 200, JSON.stringify(tokens))
  assert.ok(tokens.access_token)
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString())
  assert.equal(claims.client_id, cred.apiKey)
  assert.ok(claims.scope.split(',').includes('workfront.read'), claims.scope)

  // Cleaning up through the library: the credential, then the now empty project.
  await assert.rejects(c.deleteProject(org.id, projectId), /409/)
  assert.equal((await c.deleteCredentialById(org.id, projectId, workspaceId, cred.id)).status, 200)
  assert.equal((await c.deleteProject(org.id, projectId)).status, 200)
  await assert.rejects(c.getProject(org.id, projectId), /404/)
})
