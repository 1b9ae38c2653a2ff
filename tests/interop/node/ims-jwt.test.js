// Interop: the real @adobe/aio-lib-ims-jwt plugin with @adobe/aio-lib-ims against a
// running Latchkey server, for a Service Account (JWT) credential (docs/ims-contract.md §2.3).
//
// Run by crates/latchkey/tests/it/interop.rs, which makes an RSA key and a self-signed
// certificate with openssl, uploads the certificate with `latchkey credential create
// --kind service_account_jwt --certificate`, starts the server, and passes:
//   LATCHKEY_URL, LATCHKEY_JWT_CLIENT_ID, LATCHKEY_JWT_CLIENT_SECRET, LATCHKEY_ORG_ID,
//   LATCHKEY_TECHNICAL_ACCOUNT_ID, LATCHKEY_JWT_PRIVATE_KEY_FILE, LATCHKEY_META_SCOPES
//
// Only the low-level `Ims` class is used, with its public `endpoint` pointed at Latchkey
// (docs/ims-contract.md §6.2); the plugin then builds `aud` and the metascope claims from
// `ims.getApiUrl()`, i.e. from Latchkey's own base URL (§2.3, §6.3.6).
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { Ims, getTokenData } = require('@adobe/aio-lib-ims')
const imsJwt = require('@adobe/aio-lib-ims-jwt')
const jsonwebtoken = require('jsonwebtoken')

function requiredEnv (name) {
  const value = process.env[name]
  if (!value) {
    throw new Error(`environment variable ${name} is not set (see tests/interop/node/ims-jwt.test.js)`)
  }
  return value
}

const BASE_URL = requiredEnv('LATCHKEY_URL').replace(/\/+$/, '')
const CONFIG = {
  client_id: requiredEnv('LATCHKEY_JWT_CLIENT_ID'),
  client_secret: requiredEnv('LATCHKEY_JWT_CLIENT_SECRET'),
  technical_account_id: requiredEnv('LATCHKEY_TECHNICAL_ACCOUNT_ID'),
  ims_org_id: requiredEnv('LATCHKEY_ORG_ID'),
  meta_scopes: requiredEnv('LATCHKEY_META_SCOPES'),
  private_key: fs.readFileSync(requiredEnv('LATCHKEY_JWT_PRIVATE_KEY_FILE'), 'utf8')
}

function latchkeyIms () {
  const ims = new Ims('prod')
  ims.endpoint = BASE_URL
  return ims
}

test('aio-lib-ims-jwt: sign a JWT with the uploaded certificate\'s key and exchange it', { timeout: 60000 }, async (t) => {
  const ims = latchkeyIms()
  assert.ok(imsJwt.supports(CONFIG), 'the plugin accepts the configuration')

  let token

  await t.test('imsLogin (POST /ims/exchange/jwt, multipart) yields a technical-account token', async () => {
    const result = await imsJwt.imsLogin(ims, CONFIG)
    assert.ok(result && result.access_token, `no access_token in result: ${JSON.stringify(result)}`)
    token = result.access_token.token
    assert.equal(token.split('.').length, 3, 'access token is a compact JWS')
    assert.match(String(result.payload.token_type), /^bearer$/i)
    // expires_in is in milliseconds on this endpoint (docs/ims-contract.md §2.3).
    assert.equal(result.payload.expires_in, 86400000)
    const claims = getTokenData(token)
    assert.equal(claims.type, 'access_token')
    assert.equal(claims.client_id, CONFIG.client_id)
    assert.equal(claims.user_id, CONFIG.technical_account_id)
    assert.equal(claims.org, CONFIG.ims_org_id)
    assert.equal(claims.ctp, 3)
    assert.ok(Number(claims.expires_in) > 600000, 'long enough for aio to cache it')
    assert.equal(result.access_token.expiry, Number(claims.created_at) + Number(claims.expires_in))
    assert.ok(claims.scope.split(',').includes('workfront.read'), `scope ${claims.scope}`)
  })

  await t.test('validateToken reports it valid, with the account\'s product roles', async () => {
    assert.ok(token, 'needs the token from the previous step')
    const validation = await ims.validateToken(token)
    assert.equal(validation.valid, true, JSON.stringify(validation))
    const roles = validation.product_roles || []
    assert.ok(roles.some((r) => r.product === 'Workfront' && r.role === 'contributor'), JSON.stringify(validation))
  })

  await t.test('a JWT signed with another key is rejected with 400', async () => {
    const { privateKey } = require('node:crypto').generateKeyPairSync('rsa', { modulusLength: 2048 })
    const other = privateKey.export({ type: 'pkcs8', format: 'pem' })
    await assert.rejects(
      imsJwt.imsLogin(ims, { ...CONFIG, private_key: other }),
      (err) => {
        assert.match(String(err && err.message), /^400\b/, `expected 400, got: ${err && err.message}`)
        assert.match(String(err.message), /invalid_signature/)
        return true
      }
    )
  })

  await t.test('a metascope outside the credential\'s APIs is invalid_scope', async () => {
    await assert.rejects(
      imsJwt.imsLogin(ims, { ...CONFIG, meta_scopes: JSON.stringify(['ent_campaign_sdk']) }),
      (err) => {
        assert.match(String(err && err.message), /^400\b.*invalid_scope/s, `got: ${err && err.message}`)
        return true
      }
    )
  })

  await t.test('a replayed jti is refused', async () => {
    const now = Math.floor(Date.now() / 1000)
    const payload = {
      exp: now + 300,
      iss: CONFIG.ims_org_id,
      sub: CONFIG.technical_account_id,
      aud: ims.getApiUrl('/c/' + CONFIG.client_id),
      jti: now,
      [ims.getApiUrl('/s/ent_workfront_sdk')]: true
    }
    const signed = jsonwebtoken.sign(payload, CONFIG.private_key, { algorithm: 'RS256' })
    const first = await ims.exchangeJwtToken(CONFIG.client_id, CONFIG.client_secret, signed)
    assert.ok(first.access_token, 'first use succeeds')
    await assert.rejects(
      ims.exchangeJwtToken(CONFIG.client_id, CONFIG.client_secret, signed),
      (err) => {
        assert.match(String(err && err.message), /^400\b.*invalid_token/s, `got: ${err && err.message}`)
        return true
      }
    )
  })
})
