//! Request parameters from the query string, urlencoded and multipart bodies, merged into
//! one set (docs/ims-contract.md §2: IMS clients use all three). Parse, don't validate: every name may
//! appear once (RFC 6749 §3.1, FUZZ-11), an empty value is absent (§3.1), and the literal
//! `undefined` that aio-lib-ims sends for unset credentials is absent too (docs/ims-contract.md §6.3.7).

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
        self.get(name).ok_or_else(|| {
            OAuthError::invalid_request(format!("missing required parameter '{name}'"))
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }
}

#[cfg(test)]
impl Params {
    /// Parameters for a unit test (panics on a duplicate name).
    #[allow(clippy::unwrap_used)]
    pub(crate) fn of(pairs: &[(&str, &str)]) -> Self {
        Params::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
        .unwrap()
    }
}

/// Strict `application/x-www-form-urlencoded` decoding of one name or value: `+` is a
/// space, a bad `%` escape or a result that is not UTF-8 is an error (FUZZ-15, FUZZ-18).
pub fn form_urldecode(bytes: &[u8]) -> Result<String, OAuthError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| OAuthError::invalid_request("malformed percent-encoding"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| OAuthError::invalid_request("parameters must be UTF-8"))
}

/// Parse a query string or urlencoded body into pairs. Names stay literal strings:
/// `scope[foo]=bar` is a parameter named `scope[foo]`, never an object (FUZZ-18).
pub fn parse_urlencoded(bytes: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let mut out = Vec::new();
    for seg in bytes.split(|b| *b == b'&').filter(|s| !s.is_empty()) {
        if out.len() >= MAX_PARAMS {
            return Err(OAuthError::invalid_request("too many parameters"));
        }
        let (k, v) = match seg.iter().position(|b| *b == b'=') {
            Some(at) => (&seg[..at], &seg[at + 1..]),
            None => (seg, &b""[..]),
        };
        out.push((form_urldecode(k)?, form_urldecode(v)?));
    }
    Ok(out)
}

/// A parameter name made safe to echo in an error description.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Result<Params, OAuthError> {
        Params::from_pairs(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
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
        let ps = p(&[
            ("client_id", "undefined"),
            ("scope", ""),
            ("state", "undefined"),
        ])
        .unwrap();
        assert_eq!(ps.get("client_id"), None);
        assert_eq!(ps.get("scope"), None);
        assert_eq!(ps.get("state"), Some("undefined"));
    }

    #[test]
    fn fuzz_18_urlencoded_parsing_is_strict_and_literal() {
        let pairs = parse_urlencoded(b"scope%5Bfoo%5D=bar&a=b+c&flag").unwrap();
        assert_eq!(pairs[0], ("scope[foo]".into(), "bar".into()));
        assert_eq!(pairs[1], ("a".into(), "b c".into()));
        assert_eq!(pairs[2], ("flag".into(), "".into()));
        assert!(parse_urlencoded(b"a=%zz").is_err());
        assert!(parse_urlencoded(b"a=%e9").is_err(), "latin-1 is not UTF-8");
        assert!(parse_urlencoded(b"a=%4").is_err());
    }

    #[test]
    fn fuzz_12_parameter_floods_are_refused() {
        let many: Vec<(String, String)> = (0..=MAX_PARAMS)
            .map(|i| (format!("p{i}"), "v".into()))
            .collect();
        assert!(Params::from_pairs(many).is_err());
    }
}
