//! Client authentication at the token, revocation and introspection endpoints
//! (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`, or a bare `client_id` for
//! public clients; or `private_key_jwt` (RFC 7523 §2.2, SEC-32), decided in
//! `grants::jwt_bearer`. Exactly one method per request (§2.3, SEC-42).

use crate::error::OAuthError;
use crate::model::{Credential, SecretRecord};
use crate::params::{Params, form_urldecode};
use crate::secret::SecretHash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Longest `Authorization` header considered (FUZZ-15: a 100 KB header is refused).
const MAX_AUTHORIZATION_LEN: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Post,
    /// Public client: `client_id` only.
    None,
    /// A JWT signed with a key registered to the client (RFC 7523 §2.2).
    PrivateKeyJwt,
}

/// What the request claims about its client, before any lookup.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedClient {
    pub client_id: String,
    pub secret: Option<String>,
    pub method: AuthMethod,
}

impl std::fmt::Debug for PresentedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresentedClient")
            .field("client_id", &self.client_id)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

fn bad(d: &str) -> OAuthError {
    OAuthError::invalid_request(d)
}

/// Parse an `Authorization: Basic` header value into (client_id, secret).
pub fn parse_basic(value: &[u8]) -> Result<(String, String), OAuthError> {
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(bad("Authorization header is too long"));
    }
    let value = std::str::from_utf8(value).map_err(|_| bad("invalid Authorization header"))?;
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or_else(|| bad("invalid Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad("unsupported client authentication scheme; use Basic"));
    }
    let decoded = STANDARD
        .decode(rest.trim())
        .map_err(|_| bad("invalid base64 in the Authorization header"))?;
    let decoded =
        String::from_utf8(decoded).map_err(|_| bad("client credentials are not valid UTF-8"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| bad("Basic credentials must be client_id:client_secret"))?;
    let decode = |part: &str| {
        form_urldecode(part.as_bytes()).map_err(|_| {
            bad("client credentials in the Authorization header are improperly encoded")
        })
    };
    let (id, secret) = (decode(id)?, decode(secret)?);
    if id.is_empty() || secret.is_empty() {
        return Err(bad(
            "Basic credentials must carry a client_id and a client_secret",
        ));
    }
    Ok((id, secret))
}

/// Work out which client the request presents, and how. `Ok(None)`: no client at all.
pub fn presented_client(
    authorization: Option<&[u8]>,
    params: &Params,
) -> Result<Option<PresentedClient>, OAuthError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    if let Some(header) = authorization {
        let (id, secret) = parse_basic(header)?;
        if body_secret.is_some() {
            return Err(bad("use only one client authentication method"));
        }
        if body_id.is_some_and(|b| b != id) {
            return Err(bad("client_id does not match the authenticated client"));
        }
        return Ok(Some(PresentedClient {
            client_id: id,
            secret: Some(secret),
            method: AuthMethod::Basic,
        }));
    }
    match (body_id, body_secret) {
        (Some(id), Some(secret)) => Ok(Some(PresentedClient {
            client_id: id.to_owned(),
            secret: Some(secret.to_owned()),
            method: AuthMethod::Post,
        })),
        (None, Some(_)) => Err(bad("client_secret was sent without client_id")),
        (Some(id), None) => Ok(Some(PresentedClient {
            client_id: id.to_owned(),
            secret: None,
            method: AuthMethod::None,
        })),
        (None, None) => Ok(None),
    }
}

/// A `private_key_jwt` client assertion, before any lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedAssertion<'p> {
    /// The body `client_id`, else the assertion's (unverified) `iss`: whose keys to try.
    pub client_id: String,
    pub body_client_id: Option<&'p str>,
    pub assertion: &'p str,
}

/// Whether the request authenticates with `client_assertion` (SEC-32). `Ok(None)`: it does
/// not. Combining it with Basic or `client_secret` is 400 `invalid_request` (RFC 6749
/// §2.3, SEC-42); a wrong `client_assertion_type` or an assertion naming no client is
/// 401 `invalid_client`.
pub fn presented_assertion<'p>(
    authorization: Option<&[u8]>,
    params: &'p Params,
) -> Result<Option<PresentedAssertion<'p>>, OAuthError> {
    let kind = params.get("client_assertion_type");
    let assertion = params.get("client_assertion");
    if kind.is_none() && assertion.is_none() {
        return Ok(None);
    }
    if authorization.is_some() || params.get("client_secret").is_some() {
        return Err(bad("use only one client authentication method"));
    }
    let failed = || OAuthError::invalid_client("client authentication failed");
    if kind != Some(crate::grants::jwt_bearer::CLIENT_ASSERTION_TYPE) {
        return Err(failed());
    }
    let assertion = assertion.ok_or_else(|| bad("client_assertion is missing"))?;
    let body_client_id = params.get("client_id");
    let client_id = body_client_id
        .map(str::to_owned)
        .or_else(|| crate::assertion::unverified_issuer(assertion))
        .ok_or_else(failed)?;
    Ok(Some(PresentedAssertion {
        client_id,
        body_client_id,
        assertion,
    }))
}

/// Authenticate a presented client against its stored credential and active secrets;
/// with the secret that matched, for confidential clients (its "last used" is recorded).
/// Every failure is the same 401 `invalid_client`, whatever went wrong (NEG-02).
pub fn authenticate<'c, 's>(
    presented: &PresentedClient,
    credential: Option<&'c Credential>,
    secrets: &'s [SecretRecord],
) -> Result<(&'c Credential, Option<&'s SecretRecord>), OAuthError> {
    let failed = || OAuthError::invalid_client("client authentication failed");
    let Some(cred) = credential else {
        // Spend the same hashing work as a real comparison (FUZZ-20).
        if let Some(s) = &presented.secret {
            let _ = SecretHash([0u8; 32]).matches(s);
        }
        return Err(failed());
    };
    if cred.disabled {
        return Err(failed());
    }
    match (&presented.secret, cred.kind.has_secret()) {
        (Some(secret), true) => {
            // Hash once; compare against every active secret without stopping early.
            let presented = SecretHash::of(secret);
            let mut matched = None;
            for rec in secrets {
                if rec.hash.ct_matches(&presented) {
                    matched = Some(rec);
                }
            }
            matched.map(|rec| (cred, Some(rec))).ok_or_else(failed)
        }
        (None, false) => Ok((cred, None)),
        (None, true) => Err(failed()),
        (Some(_), false) => Err(failed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn basic(raw: &str) -> Vec<u8> {
        format!("Basic {}", STANDARD.encode(raw)).into_bytes()
    }

    #[test]
    fn fuzz_15_basic_header_abuse() {
        assert_eq!(
            parse_basic(&basic("id:sec:ret")).unwrap(),
            ("id".into(), "sec:ret".into())
        );
        assert_eq!(
            parse_basic(&basic("a%3Ab:s+t")).unwrap(),
            ("a:b".into(), "s t".into())
        );
        assert!(
            parse_basic(b"bAsIc aWQ6c2Vj").is_ok(),
            "scheme is case-insensitive"
        );
        for bad in [
            basic("nocolon"),
            basic(":secret"),
            basic("id:"),
            basic("id%zz:secret"),
            basic("id%4:secret"),
            b"Basic".to_vec(),
            b"Basic !!!".to_vec(),
            b"Bearer abc".to_vec(),
            [
                b"Basic ".as_slice(),
                &STANDARD.encode([0xff, 0xfe, b':', b'x']).into_bytes(),
            ]
            .concat(),
            format!("Basic {}", "A".repeat(100_000)).into_bytes(),
        ] {
            let e = parse_basic(&bad).unwrap_err();
            assert_eq!(
                e.code,
                crate::ErrorCode::InvalidRequest,
                "{:?}",
                String::from_utf8_lossy(&bad[..bad.len().min(40)])
            );
        }
    }

    #[test]
    fn sec_32_client_assertion_shapes() {
        let p = |pairs: &[(&str, &str)]| {
            Params::from_pairs(
                pairs
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            )
            .unwrap()
        };
        let urn = crate::grants::jwt_bearer::CLIENT_ASSERTION_TYPE;
        let ok = p(&[
            ("client_assertion_type", urn),
            ("client_assertion", "a.b.c"),
            ("client_id", "cid"),
        ]);
        let got = presented_assertion(None, &ok).unwrap().unwrap();
        assert_eq!((got.client_id.as_str(), got.assertion), ("cid", "a.b.c"));
        // With Basic or a client_secret too: two methods, 400.
        let e = presented_assertion(Some(&basic("cid:s")), &ok).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidRequest);
        let two = p(&[
            ("client_assertion_type", urn),
            ("client_assertion", "a.b.c"),
            ("client_secret", "s"),
        ]);
        assert_eq!(
            presented_assertion(None, &two).unwrap_err().code,
            crate::ErrorCode::InvalidRequest
        );
        // Not the exact URN: 401.
        for t in [
            "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            "URN:IETF:PARAMS:OAUTH:CLIENT-ASSERTION-TYPE:JWT-BEARER",
        ] {
            let wrong = p(&[
                ("client_assertion_type", t),
                ("client_assertion", "a.b.c"),
                ("client_id", "c"),
            ]);
            assert_eq!(
                presented_assertion(None, &wrong).unwrap_err().code,
                crate::ErrorCode::InvalidClient
            );
        }
        // No client id anywhere (undecodable assertion): 401.
        let anon = p(&[
            ("client_assertion_type", urn),
            ("client_assertion", "garbage"),
        ]);
        assert_eq!(
            presented_assertion(None, &anon).unwrap_err().code,
            crate::ErrorCode::InvalidClient
        );
        assert_eq!(presented_assertion(None, &Params::default()).unwrap(), None);
    }

    #[test]
    fn sec_42_two_methods_at_once_are_refused() {
        let params = Params::from_pairs(vec![("client_secret".into(), "x".into())]).unwrap();
        assert!(presented_client(Some(&basic("id:s")), &params).is_err());
        let params = Params::from_pairs(vec![("client_id".into(), "other".into())]).unwrap();
        assert!(presented_client(Some(&basic("id:s")), &params).is_err());
        let none = Params::default();
        assert_eq!(presented_client(None, &none).unwrap(), None);
    }
}
