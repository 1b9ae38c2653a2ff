//! Request parameters from the query string, urlencoded and multipart bodies, merged into
//! one set (contract §2: IMS clients use all three). Parse, don't validate: every name may
//! appear once (RFC 6749 §3.1, FUZZ-11), an empty value is absent (§3.1), and the literal
//! `undefined` that aio-lib-ims sends for unset credentials is absent too (contract §6.3.7).

use crate::error::OAuthError;

/// Most parameters one request may carry (FUZZ-12).
pub const MAX_PARAMS: usize = 100;

const UNDEFINED_MEANS_ABSENT: &[&str] = &["client_id", "client_secret", "scope"];

#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, OAuthError> {
        if pairs.len() > MAX_PARAMS {
            return Err(OAuthError::invalid_request("too many parameters"));
        }
        for (i, (k, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(seen, _)| seen == k) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{}' must not be provided more than once",
                    printable(k)
                )));
            }
        }
        Ok(Params { pairs })
    }

    /// The value of `name`, or `None` when absent, empty, or (for credentials and scope)
    /// the literal string `undefined`.
    pub fn get(&self, name: &str) -> Option<&str> {
        let v = self
            .pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())?;
        if v.is_empty() || (v == "undefined" && UNDEFINED_MEANS_ABSENT.contains(&name)) {
            None
        } else {
            Some(v)
        }
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("missing required parameter '{name}'")))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }
}

/// A parameter name made safe to echo in an error description.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Result<Params, OAuthError> {
        Params::from_pairs(pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
    }

    #[test]
    fn fuzz_11_duplicates_are_refused() {
        let e = p(&[("grant_type", "a"), ("grant_type", "b")]).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidRequest);
        assert!(e.description.contains("grant_type"));
        assert!(p(&[("code", ""), ("code", "")]).is_err());
    }

    #[test]
    fn empty_and_undefined_are_absent() {
        let ps = p(&[("client_id", "undefined"), ("scope", ""), ("state", "undefined")]).unwrap();
        assert_eq!(ps.get("client_id"), None);
        assert_eq!(ps.get("scope"), None);
        assert_eq!(ps.get("state"), Some("undefined"));
    }

    #[test]
    fn fuzz_12_parameter_floods_are_refused() {
        let many: Vec<(String, String)> = (0..=MAX_PARAMS).map(|i| (format!("p{i}"), "v".into())).collect();
        assert!(Params::from_pairs(many).is_err());
    }
}
