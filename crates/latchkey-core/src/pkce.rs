//! PKCE (RFC 7636) with S256 only (SEC-10: `plain` exposes the verifier).

use crate::error::OAuthError;
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

/// `code-verifier` and `code-challenge` share this ABNF: 43–128 unreserved characters.
fn well_formed(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Check an authorization request's challenge (SEC-10, SEC-12, FUZZ-16). The method must be
/// given and be exactly `S256`.
pub fn check_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>, OAuthError> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "code_challenge_method without code_challenge",
        )),
        (Some(_), Some(m)) if m != "S256" => Err(OAuthError::invalid_request(
            "code_challenge_method must be S256; plain is not supported",
        )),
        (Some(_), None) => Err(OAuthError::invalid_request(
            "code_challenge_method=S256 is required",
        )),
        (Some(c), Some(_)) if !well_formed(c) => Err(OAuthError::invalid_request(
            "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]",
        )),
        (Some(c), Some(_)) => Ok(Some(c.to_owned())),
    }
}

/// The S256 challenge of a verifier.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// Check a token request's verifier against the stored challenge (SEC-13, SEC-14).
pub fn verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent but no code_challenge was in the authorization request",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is required")),
        (Some(_), Some(v)) if !well_formed(v) => {
            Err(OAuthError::invalid_grant("code_verifier is malformed"))
        }
        (Some(c), Some(v)) => {
            if bool::from(s256(v).as_bytes().ct_eq(c.as_bytes())) {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc_7636_appendix_b_vector() {
        assert_eq!(s256(VERIFIER), CHALLENGE);
        assert!(verify(Some(CHALLENGE), Some(VERIFIER)).is_ok());
    }

    #[test]
    fn sec_10_12_fuzz_16_challenge_rules() {
        assert!(check_challenge(Some(CHALLENGE), Some("plain")).is_err());
        assert!(check_challenge(Some(CHALLENGE), Some("s256")).is_err());
        assert!(check_challenge(Some(CHALLENGE), None).is_err());
        assert!(check_challenge(None, Some("S256")).is_err());
        assert!(check_challenge(Some(&"a".repeat(42)), Some("S256")).is_err());
        assert!(check_challenge(Some(&"a".repeat(129)), Some("S256")).is_err());
        assert!(check_challenge(Some(&format!("{}=", &CHALLENGE[..42])), Some("S256")).is_err());
        assert_eq!(
            check_challenge(Some(CHALLENGE), Some("S256"))
                .unwrap()
                .as_deref(),
            Some(CHALLENGE)
        );
    }

    #[test]
    fn sec_13_14_verifier_rules() {
        assert!(verify(Some(CHALLENGE), None).is_err());
        assert!(verify(None, Some(VERIFIER)).is_err(), "PKCE downgrade");
        assert!(verify(Some(CHALLENGE), Some(&VERIFIER.replace('d', "e"))).is_err());
        assert!(verify(Some(CHALLENGE), Some("short")).is_err());
        assert!(verify(Some(CHALLENGE), Some(&format!("{VERIFIER}+/="))).is_err());
    }
}
