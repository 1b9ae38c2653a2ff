//! Redirect URIs. Registration validates with a URL parser (SEC-03); matching at request
//! time compares raw strings (SEC-01), because parsers normalise (DEP-13).

use crate::model::CredentialKind;

/// Parameters the authorization response adds to the redirect URI (RFC 6749 §4.1.2, RFC
/// 9207): a registered URI that already carries one could confuse the client.
const RESERVED_RESPONSE_PARAMS: &[&str] = &[
    "code",
    "state",
    "error",
    "error_description",
    "error_uri",
    "iss",
];

fn is_loopback_host(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "[::1]" | "localhost")
}

/// SEC-03: what may be registered as a redirect URI for a credential kind.
pub fn validate_registration(raw: &str, kind: CredentialKind) -> Result<(), String> {
    if raw.len() > 2048
        || raw.contains('*')
        || raw.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "redirect URI '{raw}' is not allowed (too long, wildcard or whitespace)"
        ));
    }
    let url =
        url::Url::parse(raw).map_err(|_| format!("redirect URI '{raw}' is not an absolute URI"))?;
    if url.fragment().is_some() || raw.contains('#') {
        return Err("a redirect URI must not contain a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a redirect URI must not contain user information".into());
    }
    // The names as the client's callback will read them: percent-decoded, and in any
    // case, since some frameworks look parameters up case-insensitively (docs/security-review.md finding 14).
    let reserved = |name: &str| {
        RESERVED_RESPONSE_PARAMS
            .iter()
            .any(|r| name.trim().eq_ignore_ascii_case(r))
    };
    if url.query_pairs().any(|(name, _)| reserved(&name)) {
        return Err(format!(
            "a redirect URI's query must not carry {}",
            RESERVED_RESPONSE_PARAMS.join(", ")
        ));
    }
    let scheme = url.scheme();
    if matches!(
        scheme,
        "javascript" | "data" | "vbscript" | "file" | "blob" | "about"
    ) {
        return Err(format!(
            "the {scheme}: scheme is not allowed for redirect URIs"
        ));
    }
    let host = url.host_str().unwrap_or("");
    match scheme {
        "https" if !host.is_empty() => Ok(()),
        "http" if is_loopback_host(host) => Ok(()),
        "http" => Err("http redirect URIs are only allowed on loopback addresses (127.0.0.1, [::1], localhost)".into()),
        // Private-use schemes (RFC 8252 §7.1) are for native apps only, and must be
        // reverse-domain names (contain a dot).
        s if kind == CredentialKind::OAuthNative && s.contains('.') => Ok(()),
        _ => Err(format!("redirect URI scheme '{scheme}' is not allowed for {} credentials", kind.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_03_registration_rejects_dangerous_uris() {
        let web = CredentialKind::OAuthWeb;
        for bad in [
            "https://app.example/cb#frag",
            "http://app.example/cb",
            "javascript:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "https://user@app.example/cb",
            "https://*.example/cb",
            "https://app.example/cb?code=x",
            "https://app.example/cb?a=1&state=2",
            "/relative",
            "com.example.app:/cb",
        ] {
            assert!(validate_registration(bad, web).is_err(), "{bad}");
        }
        for good in [
            "https://app.example/cb",
            "http://127.0.0.1:3000/cb",
            "http://localhost/cb",
            "https://app.example/cb?foo=bar",
        ] {
            assert!(validate_registration(good, web).is_ok(), "{good}");
        }
        assert!(validate_registration("com.example.app:/cb", CredentialKind::OAuthNative).is_ok());
    }
}

/// SEC-01: does the requested `redirect_uri` match a registered one? Raw string equality;
/// the only relaxation is the port of an `http` loopback URI for native apps (RFC 8252
/// §7.3), which must otherwise be byte-identical.
pub fn matches_registered(requested: &str, registered: &[String], kind: CredentialKind) -> bool {
    if registered.iter().any(|r| r == requested) {
        return true;
    }
    if kind != CredentialKind::OAuthNative {
        return false;
    }
    let Some(req) = split_loopback(requested) else {
        return false;
    };
    registered
        .iter()
        .filter_map(|r| split_loopback(r))
        .any(|reg| reg.0 == req.0 && reg.2 == req.2)
}

/// `http://HOST[:PORT]REST` for a loopback IP literal → (HOST, PORT, REST).
fn split_loopback(uri: &str) -> Option<(&str, Option<&str>, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (host, port) = if let Some(h) = authority.strip_prefix("[::1]") {
        ("[::1]", h.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if !matches!(host, "127.0.0.1" | "[::1]") {
        return None;
    }
    // A port is 1 to 65535 in plain digits (docs/security-review.md finding 14: `:99999` is no port).
    let valid_port =
        |p: &str| p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0);
    if port.is_some_and(|p| !valid_port(p)) {
        return None;
    }
    Some((host, port, path))
}

#[cfg(test)]
mod match_tests {
    use super::*;

    #[test]
    fn sec_01_exact_match_only() {
        let reg = vec![
            "https://app.example/cb".to_owned(),
            "https://app.example/q?foo=bar".to_owned(),
        ];
        let web = CredentialKind::OAuthWeb;
        assert!(matches_registered("https://app.example/cb", &reg, web));
        for bad in [
            "https://APP.example/cb",
            "HTTPS://app.example/cb",
            "https://app.example/cb/",
            "https://app.example/cb/../cb",
            "https://app.example/%2E%2E/cb",
            "https://app.example/q?foo=bara",
            "https://app.example/q?foo=bar&bar=foo",
            "https://app.example/q",
            "https://app.example/cb%2F..%2Fevil",
            "https://аpp.example/cb",
            "https://app.example\\@evil.test/cb",
            "https://evil.test#@app.example/cb",
            "https://app.example/cb?code=x",
            "https://app.example/cb%00",
            "https://app.example./cb",
        ] {
            assert!(!matches_registered(bad, &reg, web), "{bad}");
        }
    }

    #[test]
    fn native_loopback_may_change_only_the_port() {
        let reg = vec![
            "http://127.0.0.1/callback".to_owned(),
            "http://[::1]:8000/cb".to_owned(),
        ];
        let native = CredentialKind::OAuthNative;
        assert!(matches_registered(
            "http://127.0.0.1:53124/callback",
            &reg,
            native
        ));
        assert!(matches_registered("http://[::1]:9/cb", &reg, native));
        assert!(!matches_registered(
            "http://127.0.0.1:53124/callbackx",
            &reg,
            native
        ));
        assert!(!matches_registered(
            "http://localhost:53124/callback",
            &reg,
            native
        ));
        assert!(!matches_registered(
            "http://127.0.0.1:x/callback",
            &reg,
            native
        ));
        assert!(!matches_registered(
            "http://127.0.0.1:53124/callback",
            &reg,
            CredentialKind::OAuthWeb
        ));
    }

    #[test]
    fn review_14_reserved_names_in_any_case_or_encoding_and_impossible_ports() {
        let web = CredentialKind::OAuthWeb;
        for bad in [
            "https://app.example/cb?Code=x",
            "https://app.example/cb?STATE=x",
            "https://app.example/cb?%63ode=x",
            "https://app.example/cb?%63%6F%64%65=x",
            "https://app.example/cb?a=1&I%53S=x",
            "https://app.example/cb?error_description=x",
            "https://app.example/cb?code",
        ] {
            assert!(validate_registration(bad, web).is_err(), "{bad}");
        }
        for good in [
            "https://app.example/cb?codex=1&mystate=2",
            "https://app.example/cb?%63odes=1",
        ] {
            assert!(validate_registration(good, web).is_ok(), "{good}");
        }
        let reg = vec!["http://127.0.0.1/callback".to_owned()];
        let native = CredentialKind::OAuthNative;
        for port in ["99999", "65536", "0", "00000", "+80", "-1", "123456"] {
            let uri = format!("http://127.0.0.1:{port}/callback");
            assert!(!matches_registered(&uri, &reg, native), "{uri}");
        }
        for port in ["1", "65535", "8080"] {
            let uri = format!("http://127.0.0.1:{port}/callback");
            assert!(matches_registered(&uri, &reg, native), "{uri}");
        }
    }
}
