//! Scope strings. IMS accepts space- or comma-separated scopes and emits commas; the
//! standard dialect emits spaces (docs/ims-contract.md §4). Each scope token must match RFC 6749 §3.3
//! (`%x21 / %x23-5B / %x5D-7E`, commas excluded because they separate).

use crate::error::OAuthError;

/// Most scopes one request may carry (FUZZ-17).
pub const MAX_SCOPES: usize = 64;
/// Longest single scope token.
pub const MAX_SCOPE_LEN: usize = 128;

/// Scopes every IMS client may send regardless of its project's APIs (docs/design.md).
pub const IDENTITY_SCOPES: &[&str] = &[
    "openid",
    "AdobeID",
    "profile",
    "email",
    "address",
    "read_organizations",
];
pub const OFFLINE_ACCESS: &str = "offline_access";

/// An ordered set of scope tokens, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(Vec<String>);

fn valid_token_char(c: char) -> bool {
    matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E') && c != ','
}

impl ScopeSet {
    /// Parse a space- and/or comma-separated scope string. Duplicates collapse.
    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        let mut out: Vec<String> = Vec::new();
        for tok in raw.split([' ', ',']).filter(|t| !t.is_empty()) {
            if tok.len() > MAX_SCOPE_LEN || !tok.chars().all(valid_token_char) {
                return Err(OAuthError::invalid_scope(
                    "scope contains a value outside the scope-token grammar",
                ));
            }
            if !out.iter().any(|s| s == tok) {
                out.push(tok.to_owned());
            }
            if out.len() > MAX_SCOPES {
                return Err(OAuthError::invalid_scope("too many scopes requested"));
            }
        }
        Ok(ScopeSet(out))
    }

    pub fn from_list<I: IntoIterator<Item = S>, S: Into<String>>(it: I) -> Self {
        let mut out: Vec<String> = Vec::new();
        for s in it {
            let s = s.into();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        ScopeSet(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
    /// The scopes not in `allowed`, in request order.
    pub fn outside<'a>(&'a self, allowed: &[String]) -> Vec<&'a str> {
        self.iter()
            .filter(|s| !allowed.iter().any(|a| a == s))
            .collect()
    }
    /// IMS form: comma-separated.
    pub fn to_ims(&self) -> String {
        self.0.join(",")
    }
    /// RFC 6749 form: space-separated.
    pub fn to_standard(&self) -> String {
        self.0.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spaces_and_commas_and_dedupes() {
        let s = ScopeSet::parse("openid,AdobeID  email openid").unwrap();
        assert_eq!(s.as_slice(), ["openid", "AdobeID", "email"]);
        assert_eq!(s.to_ims(), "openid,AdobeID,email");
        assert_eq!(s.to_standard(), "openid AdobeID email");
    }

    #[test]
    fn fuzz_17_rejects_control_characters_quotes_and_floods() {
        for bad in ["open\tid", "a\0b", "a\"b", "a\\b", "é"] {
            assert!(ScopeSet::parse(bad).is_err(), "{bad:?}");
        }
        let flood = (0..10_000)
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(ScopeSet::parse(&flood).is_err());
        assert!(ScopeSet::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn outside_lists_what_is_not_allowed() {
        let s = ScopeSet::parse("openid evil").unwrap();
        assert_eq!(s.outside(&["openid".to_owned()]), ["evil"]);
    }
}
