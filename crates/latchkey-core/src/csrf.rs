//! CSRF tokens for our own forms (SEC-34), bound to the browser's session (review
//! finding 9). The token in a form is HMAC-SHA256(key, binding), where the binding is the
//! sign-in session when the browser has one, and otherwise a random pre-session cookie.
//! Knowing or planting a cookie is not enough to forge a token: it takes the key, which
//! is derived from the master key (`MasterKey::derive`), so every node agrees on it.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The label the CSRF key is derived under.
pub const KEY_LABEL: &str = "latchkey/csrf/v1";

/// What a form token is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding<'a> {
    /// The raw value of the browser's session cookie.
    Session(&'a str),
    /// The raw value of the browser's pre-session CSRF cookie.
    Browser(&'a str),
}

impl Binding<'_> {
    fn message(self) -> String {
        match self {
            Binding::Session(v) => format!("session\0{v}"),
            Binding::Browser(v) => format!("browser\0{v}"),
        }
    }
}

pub struct CsrfKey(hmac::Key);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(<redacted>)")
    }
}

impl CsrfKey {
    pub fn new(key: &[u8; 32]) -> Self {
        CsrfKey(hmac::Key::new(hmac::HMAC_SHA256, key))
    }

    /// The token a form rendered for `binding` carries.
    pub fn token(&self, binding: Binding<'_>) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.0, binding.message().as_bytes()))
    }

    /// Whether `submitted` is the token of `binding` (constant-time comparison).
    pub fn verify(&self, binding: Binding<'_>, submitted: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(submitted)
            .is_ok_and(|tag| hmac::verify(&self.0, binding.message().as_bytes(), &tag).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_09_tokens_are_bound_to_their_session_and_key() {
        let k = CsrfKey::new(&[7; 32]);
        let t = k.token(Binding::Session("s-1"));
        assert!(k.verify(Binding::Session("s-1"), &t));
        assert!(!k.verify(Binding::Session("s-2"), &t), "another session");
        assert!(
            !k.verify(Binding::Browser("s-1"), &t),
            "the pre-session kind"
        );
        assert!(
            !CsrfKey::new(&[8; 32]).verify(Binding::Session("s-1"), &t),
            "another key"
        );
        // The classic double-submit forgery: the cookie value itself as the token.
        assert!(!k.verify(Binding::Browser("attacker-value"), "attacker-value"));
        for garbage in ["", "!!", &t[..10]] {
            assert!(!k.verify(Binding::Session("s-1"), garbage));
        }
    }
}
