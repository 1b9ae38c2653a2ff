// Interop: the real @adobe/aio-lib-ims (npm) against a running Latchkey server.
//
// Run by crates/latchkey/tests/it/interop.rs (which creates the credential and starts
// the server), or by hand:
//   LATCHKEY_URL=http://127.0.0.1:PORT LATCHKEY_CLIENT_ID=... LATCHKEY_CLIENT_SECRET=... \
//   LATCHKEY_ORG_ID=... node --test tests/interop/node/ims.test.js
//
// Only the low-level `Ims` class is used, with its public `endpoint` field pointed at
// Latchkey (docs/ims-contract.md §6.2): no config, context or token cache is involved.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Ims, getTokenData } = require('@adobe/aio-lib-ims')

function requiredEnv (name) {
  const value = process.env[name]
  if (!value) {
    throw new Error(`environment variable ${name} is not set (see tests/interop/node/ims.test.js)`)
  }
  return value
}

const BASE_URL = requiredEnv('LATCHKEY_URL').replace(/\/+$/, '')
const CLIENT_ID = requiredEnv('LATCHKEY_CLIENT_ID')
const CLIENT_SECRET = requiredEnv('LATCHKEY_CLIENT_SECRET')
const ORG_ID = requiredEnv('LATCHKEY_ORG_ID')
const SCOPES = ['openid', 'AdobeID', 'firefly_api']

function latchkeyIms () {
  const ims = new Ims('prod')
  ims.endpoint = BASE_URL
  return ims
}

function decodeSegment (segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
}

const MS_STRING = /^[0-9]+$/

test('aio-lib-ims Ims class: server-to-server token, validate, invalidate', { timeout: 60000 }, async (t) => {
  const ims = latchkeyIms()
  assert.equal(ims.getApiUrl('/ims/token/v2'), `${BASE_URL}/ims/token/v2`)

  let token

  await t.test('getAccessTokenByClientCredentials (multipart POST /ims/token/v2) yields an IMS access token', async () => {
    const result = await ims.getAccessTokenByClientCredentials(CLIENT_ID, CLIENT_SECRET, ORG_ID, SCOPES)
    assert.ok(result && result.access_token, `no access_token in result: ${JSON.stringify(result)}`)
    token = result.access_token.token
    assert.equal(typeof token, 'string')
    assert.equal(token.split('.').length, 3, 'access token is a compact JWS')
    assert.equal(result.payload.access_token, token)
    assert.match(String(result.payload.token_type), /^bearer$/i)

    const header = decodeSegment(token.split('.')[0])
    assert.equal(header.alg, 'ES256')
    assert.ok(header.kid, 'header carries a kid')

    // The library's own decoder and ours must agree.
    const claims = getTokenData(token)
    assert.deepEqual(claims, decodeSegment(token.split('.')[1]))

    assert.equal(claims.type, 'access_token')
    assert.equal(claims.client_id, CLIENT_ID)
    assert.equal(typeof claims.created_at, 'string', 'created_at is a string')
    assert.match(claims.created_at, MS_STRING, 'created_at is epoch ms digits')
    assert.equal(typeof claims.expires_in, 'string', 'expires_in is a string')
    assert.match(claims.expires_in, MS_STRING, 'expires_in is ms digits')
    assert.ok(Number(claims.expires_in) > 600000, `expires_in ${claims.expires_in} must exceed 600000 ms or aio will not cache it`)
    const createdAt = Number(claims.created_at)
    assert.ok(Math.abs(createdAt - Date.now()) < 5 * 60 * 1000, `created_at ${createdAt} is not epoch ms near now`)
    assert.equal(typeof claims.scope, 'string')
    assert.ok(claims.scope.split(',').includes('firefly_api'), `scope ${claims.scope} lacks firefly_api`)
    assert.ok(claims.user_id, 'user_id claim present')
    assert.equal(claims.org, ORG_ID, 'org claim is the org_id aio-lib-ims sent')
    // Ims.fromToken maps `as` to https://${as}.adobelogin.com; it must be a known shard.
    const fromToken = await Ims.fromToken(token)
    assert.equal(fromToken.ims.env, 'prod', `as=${claims.as} does not map to an aio environment`)

    // What aio-lib-ims computes and stores as the expiry (ms since epoch).
    assert.equal(result.access_token.expiry, createdAt + Number(claims.expires_in))
    assert.ok(result.access_token.expiry > Date.now() + 10 * 60 * 1000)
  })

  await t.test('validateToken (Bearer POST /ims/validate_token/v1) says valid', async () => {
    assert.ok(token, 'needs the token from the previous step')
    const validation = await ims.validateToken(token)
    assert.equal(validation.valid, true, `validate answered ${JSON.stringify(validation)}`)
  })

  await t.test('invalidateToken (POST /ims/invalidate_token/v2) resolves', async () => {
    assert.ok(token, 'needs the token from the previous step')
    await ims.invalidateToken(token, CLIENT_ID, CLIENT_SECRET)
  })

  await t.test('validateToken after invalidation says not valid', async () => {
    assert.ok(token, 'needs the token from the previous step')
    const validation = await ims.validateToken(token)
    assert.equal(validation.valid, false, `validate answered ${JSON.stringify(validation)}`)
  })

  await t.test('a wrong client secret is rejected with 401', async () => {
    await assert.rejects(
      ims.getAccessTokenByClientCredentials(CLIENT_ID, `${CLIENT_SECRET}-wrong`, ORG_ID, SCOPES),
      (err) => {
        assert.match(String(err && err.message), /^401\b/, `expected a 401 rejection, got: ${err && err.message}`)
        return true
      }
    )
  })
})
