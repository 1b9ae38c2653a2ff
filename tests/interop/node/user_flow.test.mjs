// Interop, user sign-in: third-party clients drive a real Latchkey server through
// authorize → login form → consent form → callback → code exchange → userinfo → refresh →
// revoke.
//
//   - openid-client (npm, v6) on the standard dialect: discovery, PKCE S256 + state +
//     nonce, RFC 9207 `iss` check, ID-token validation, userinfo, refresh, introspection
//     and RFC 7009 revocation;
//   - the low-level `Ims` class of @adobe/aio-lib-ims on the IMS dialect (docs/ims-contract.md
//     §6.2): getSusiUrl (/ims/authorize/v1), getAccessToken with the code, then with the
//     refresh token (multipart /ims/token/v1), validateToken and invalidateToken.
//
// The browser is played with fetch (no redirect following, our own cookie jar) and a
// regex for the hidden form fields.
//
// Run by crates/latchkey/tests/it/interop.rs (which creates the org, user, credential and
// starts the server), or by hand:
//   LATCHKEY_URL=http://127.0.0.1:PORT LATCHKEY_CLIENT_ID=... LATCHKEY_CLIENT_SECRET=... \
//   LATCHKEY_REDIRECT_URI=http://127.0.0.1:PORT2/cb LATCHKEY_USER_EMAIL=... \
//   LATCHKEY_USER_PASSWORD=... node --test tests/interop/node/user_flow.test.mjs

import test from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import * as client from 'openid-client'
import aioIms from '@adobe/aio-lib-ims'

const { Ims, getTokenData } = aioIms

function requiredEnv (name) {
  const value = process.env[name]
  if (!value) {
    throw new Error(`environment variable ${name} is not set (see tests/interop/node/user_flow.test.mjs)`)
  }
  return value
}

const BASE_URL = requiredEnv('LATCHKEY_URL').replace(/\/+$/, '')
const CLIENT_ID = requiredEnv('LATCHKEY_CLIENT_ID')
const CLIENT_SECRET = requiredEnv('LATCHKEY_CLIENT_SECRET')
const REDIRECT_URI = requiredEnv('LATCHKEY_REDIRECT_URI')
const USER_EMAIL = requiredEnv('LATCHKEY_USER_EMAIL')
const USER_PASSWORD = requiredEnv('LATCHKEY_USER_PASSWORD')

/** Every request of the played browser gives up after this long. */
const REQUEST_TIMEOUT_MS = 15000

// ---------------------------------------------------------------------------------------
// A minimal browser: cookie jar, manual redirects, hidden form fields.

function decodeHtml (s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** The decoded `value` of the `<input>` named `name`; fails the test when absent. */
function hiddenInput (html, name) {
  const tag = html.match(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`))
  assert.ok(tag, `no input named ${name} in page:\n${html}`)
  const value = tag[0].match(/\bvalue="([^"]*)"/)
  assert.ok(value, `input ${name} has no value: ${tag[0]}`)
  return decodeHtml(value[1])
}

class PlayedBrowser {
  constructor (base) {
    this.base = base
    this.cookies = new Map()
  }

  keepCookies (res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) {
        this.cookies.delete(name)
      } else {
        this.cookies.set(name, value)
      }
    }
  }

  cookieHeader () {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async request (method, url, form) {
    const target = new URL(url, this.base)
    assert.equal(target.origin, new URL(this.base).origin, `the browser left the server: ${target}`)
    const headers = { cookie: this.cookieHeader() }
    let body
    if (form) {
      headers.origin = new URL(this.base).origin
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(form).toString()
    }
    const res = await fetch(target, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    })
    this.keepCookies(res)
    return res
  }

  get (url) { return this.request('GET', url) }
  post (url, form) { return this.request('POST', url, form) }
}

function locationOf (res) {
  assert.equal(res.status, 303, `expected a 303, got ${res.status}`)
  const loc = res.headers.get('location')
  assert.ok(loc, 'a 303 without Location')
  return loc
}

/**
 * Play the user from `authorizeUrl` through the login form and (when shown) the consent
 * form; returns the callback URL the server sent the browser to and whether consent was
 * asked.
 */
async function signIn (authorizeUrl) {
  const b = new PlayedBrowser(BASE_URL)
  let next = locationOf(await b.get(authorizeUrl))
  assert.match(next, /^\/login\?ar=/, 'a fresh browser is sent to the login page')

  const loginPage = await b.get(next)
  assert.equal(loginPage.status, 200)
  const loginHtml = await loginPage.text()
  assert.ok(b.cookies.get('lk_csrf'), 'the login page sets the CSRF cookie')
  const csrf = hiddenInput(loginHtml, 'csrf')
  assert.ok(csrf, 'the login form carries a CSRF token')
  assert.notEqual(csrf, b.cookies.get('lk_csrf'), 'the CSRF token is bound to the cookie, not a copy of it')
  const ar = hiddenInput(loginHtml, 'ar')

  // A wrong password is refused with the form again and no session.
  const wrong = await b.post('/login', { username: USER_EMAIL, password: `${USER_PASSWORD}!`, csrf, ar })
  assert.equal(wrong.status, 401)
  assert.match(await wrong.text(), /role="alert"/)
  assert.ok(!b.cookies.has('lk_session'), 'no session after a wrong password')

  const login = await b.post('/login', { username: USER_EMAIL, password: USER_PASSWORD, csrf, ar })
  next = locationOf(login)
  assert.ok(b.cookies.get('lk_session'), 'login sets the session cookie')

  let sawConsent = false
  if (next.startsWith('/consent')) {
    sawConsent = true
    const page = await b.get(next)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /<button[^>]*name="decision"[^>]*value="allow"/)
    const consent = await b.post('/consent', {
      decision: 'allow',
      csrf: hiddenInput(html, 'csrf'),
      ar: hiddenInput(html, 'ar')
    })
    next = locationOf(consent)
  }
  assert.ok(next.startsWith(`${REDIRECT_URI}?`), `sent to ${next}, not the redirect URI`)
  return { callback: new URL(next), sawConsent }
}

function decodeSegment (segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
}

// ---------------------------------------------------------------------------------------

test('openid-client: discovery, code + PKCE + nonce, ID token, userinfo, refresh, introspect, revoke', { timeout: 90000 }, async (t) => {
  const config = await client.discovery(
    new URL(BASE_URL),
    CLIENT_ID,
    { client_secret: CLIENT_SECRET },
    client.ClientSecretBasic(CLIENT_SECRET),
    // Loopback http (openid-client insists on https otherwise).
    { execute: [client.allowInsecureRequests], timeout: 30 }
  )
  const meta = config.serverMetadata()
  assert.equal(meta.issuer, BASE_URL)
  assert.equal(meta.authorization_endpoint, `${BASE_URL}/oauth2/authorize`)
  assert.equal(meta.authorization_response_iss_parameter_supported, true)
  assert.ok(meta.supportsPKCE(), 'discovery advertises S256')

  const codeVerifier = client.randomPKCECodeVerifier()
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier)
  const state = client.randomState()
  const nonce = client.randomNonce()
  const authorizeUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce
  })
  assert.equal(authorizeUrl.origin + authorizeUrl.pathname, `${BASE_URL}/oauth2/authorize`)

  const { callback, sawConsent } = await signIn(authorizeUrl.href)
  assert.ok(sawConsent, 'the first sign-in to this app asks for consent')
  assert.equal(callback.searchParams.get('state'), state)
  assert.equal(callback.searchParams.get('iss'), BASE_URL, 'RFC 9207 iss in the authorization response')
  assert.ok(callback.searchParams.get('code'))

  // A tampered `iss` must make openid-client refuse the response (proves the check runs).
  const forged = new URL(callback)
  forged.searchParams.set('iss', 'http://127.0.0.1:1')
  await assert.rejects(
    client.authorizationCodeGrant(config, forged, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce }),
    (e) => {
      const why = `${e.message} ${e.cause?.message ?? ''} ${e.cause?.code ?? ''}`
      assert.match(why, /\biss\b/, `refused for another reason: ${why}`)
      return true
    }
  )

  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true
  })
  assert.match(tokens.token_type, /^bearer$/i)
  assert.equal(typeof tokens.expires_in, 'number')
  assert.ok(tokens.expires_in > 0 && tokens.expires_in <= 86400, `expires_in ${tokens.expires_in} is seconds`)
  assert.ok(tokens.access_token && tokens.refresh_token && tokens.id_token)
  assert.equal(decodeSegment(tokens.id_token.split('.')[0]).alg, 'RS256')

  // openid-client has verified signature, iss, aud, exp, iat and nonce.
  const claims = tokens.claims()
  assert.equal(claims.iss, BASE_URL)
  assert.equal(claims.aud, CLIENT_ID)
  assert.equal(claims.nonce, nonce)
  assert.ok(claims.sub, 'ID token has sub')

  let access = tokens.access_token
  let refresh = tokens.refresh_token

  await t.test('userinfo', async () => {
    const info = await client.fetchUserInfo(config, access, claims.sub)
    assert.equal(info.sub, claims.sub)
    assert.equal(info.email, USER_EMAIL)
    assert.equal(info.given_name, 'Ada')
    assert.equal(info.family_name, 'Lovelace')
  })

  await t.test('refresh rotates the refresh token', async () => {
    const refreshed = await client.refreshTokenGrant(config, refresh)
    assert.ok(refreshed.access_token)
    assert.notEqual(refreshed.access_token, access)
    assert.ok(refreshed.refresh_token, 'a refresh response carries a new refresh token')
    assert.notEqual(refreshed.refresh_token, refresh)
    access = refreshed.access_token
    refresh = refreshed.refresh_token
    const info = await client.fetchUserInfo(config, access, claims.sub)
    assert.equal(info.email, USER_EMAIL)
  })

  await t.test('introspection sees the new access token as active', async () => {
    const intro = await client.tokenIntrospection(config, access)
    assert.equal(intro.active, true)
    assert.equal(intro.client_id, CLIENT_ID)
    assert.equal(intro.sub, claims.sub)
  })

  await t.test('revoking the refresh token ends the grant', async () => {
    await client.tokenRevocation(config, refresh, { token_type_hint: 'refresh_token' })
    await assert.rejects(client.fetchUserInfo(config, access, claims.sub), (e) => {
      assert.equal(e.status, 401, `userinfo after revocation: ${e}`)
      return true
    })
    await assert.rejects(client.refreshTokenGrant(config, refresh), (e) => {
      assert.equal(e.error, 'invalid_grant', `refresh after revocation: ${e}`)
      return true
    })
    const intro = await client.tokenIntrospection(config, access)
    assert.equal(intro.active, false)
  })

  await t.test('the code is single-use', async () => {
    await assert.rejects(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce }),
      (e) => {
        assert.equal(e.error, 'invalid_grant', `code replay: ${e}`)
        return true
      }
    )
  })
})

test('aio-lib-ims Ims: getSusiUrl sign-in, getAccessToken with the code, then with the refresh token', { timeout: 90000 }, async (t) => {
  const ims = new Ims('prod')
  ims.endpoint = BASE_URL
  const scopes = 'openid,AdobeID,offline_access'
  const state = randomBytes(12).toString('hex')

  const susi = new URL(ims.getSusiUrl(CLIENT_ID, scopes, REDIRECT_URI, state))
  assert.equal(susi.origin + susi.pathname, `${BASE_URL}/ims/authorize/v1`)

  const { callback } = await signIn(susi.href)
  assert.equal(callback.searchParams.get('state'), state)
  assert.equal(callback.searchParams.get('iss'), BASE_URL)
  const code = callback.searchParams.get('code')
  assert.equal(getTokenData(code).type, 'authorization_code', 'aio-lib-ims picks the grant from the code payload')

  const before = Date.now()
  const first = await ims.getAccessToken(code, CLIENT_ID, CLIENT_SECRET, scopes)
  const access = first.access_token
  const refresh = first.refresh_token
  assert.ok(access && access.token, `no access_token in ${JSON.stringify(first)}`)
  assert.ok(refresh && refresh.token, `no refresh_token in ${JSON.stringify(first)} (offline_access was requested)`)
  assert.equal(first.payload.access_token, access.token)
  assert.equal(first.payload.refresh_token, refresh.token)
  assert.match(String(first.payload.token_type), /^bearer$/i)
  // docs/ims-contract.md §2.2: `sub`, and an ID token because openid was asked for. (Whether v1's
  // `expires_in` is seconds or ms is an open question there; aio-lib-ims ignores it.)
  assert.equal(typeof first.payload.expires_in, 'number')
  assert.ok(first.payload.expires_in > 0)
  assert.ok(first.payload.id_token, 'openid was requested')

  const at = getTokenData(access.token)
  assert.equal(at.type, 'access_token')
  assert.equal(at.client_id, CLIENT_ID)
  assert.ok(at.user_id, 'access token names the user')
  assert.equal(first.payload.sub, at.user_id)
  assert.deepEqual(at.scope.split(',').sort(), scopes.split(',').sort())
  // The lib computes expiry = created_at + expires_in (both ms strings).
  assert.equal(access.expiry, Number(at.created_at) + Number(at.expires_in))
  assert.ok(access.expiry > before + 600000, 'access token outlives aio-lib-ims\'s 10-minute cache floor')
  assert.ok(Math.abs(Number(at.created_at) - before) < 5 * 60 * 1000, 'created_at is epoch ms near now')
  const rt = getTokenData(refresh.token)
  assert.equal(rt.type, 'refresh_token')
  assert.equal(rt.client_id, CLIENT_ID)
  assert.equal(refresh.expiry, Number(rt.created_at) + Number(rt.expires_in))
  assert.ok(refresh.expiry > access.expiry, 'the refresh token outlives the access token')

  await t.test('the access token works on /ims/userinfo/v2 and validates', async () => {
    // No `email` scope was asked for: userinfo names the user by `sub` only.
    const info = await ims.get('/ims/userinfo/v2', access.token)
    assert.equal(info.sub, at.user_id, JSON.stringify(info))
    const v = await ims.validateToken(access.token)
    assert.equal(v.valid, true, JSON.stringify(v))
  })

  let second
  await t.test('getAccessToken with the refresh token yields new tokens', async () => {
    second = await ims.getAccessToken(refresh.token, CLIENT_ID, CLIENT_SECRET, scopes)
    assert.ok(second.access_token && second.access_token.token)
    assert.notEqual(second.access_token.token, access.token)
    assert.ok(second.refresh_token && second.refresh_token.token, 'refresh rotates')
    assert.notEqual(second.refresh_token.token, refresh.token)
    const at2 = getTokenData(second.access_token.token)
    assert.equal(at2.type, 'access_token')
    assert.equal(at2.user_id, at.user_id)
    assert.equal(second.access_token.expiry, Number(at2.created_at) + Number(at2.expires_in))
    assert.equal(getTokenData(second.refresh_token.token).type, 'refresh_token')
    const info = await ims.get('/ims/userinfo/v2', second.access_token.token)
    assert.equal(info.sub, at.user_id, JSON.stringify(info))
  })

  await t.test('invalidateToken on the refresh token cascades to its access tokens', async () => {
    assert.ok(second, 'needs the refreshed tokens')
    await ims.invalidateToken(second.refresh_token.token, CLIENT_ID, CLIENT_SECRET)
    const v = await ims.validateToken(second.access_token.token)
    assert.equal(v.valid, false, JSON.stringify(v))
    await assert.rejects(ims.getAccessToken(second.refresh_token.token, CLIENT_ID, CLIENT_SECRET, scopes), /^Error: 400\b/)
  })

  await t.test('the code is single-use', async () => {
    await assert.rejects(ims.getAccessToken(code, CLIENT_ID, CLIENT_SECRET, scopes), /^Error: 400\b/)
  })
})
