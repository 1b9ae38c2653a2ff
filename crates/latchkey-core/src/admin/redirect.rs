//! Redirect URIs. Registration validates with a URL parser (SEC-03); matching at request
//! time compares raw strings (SEC-01), because parsers normalise (DEP-13).

use crate::model::CredentialKind;

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
    if let Some(q) = url.query() {
        if q.split('&').any(|kv| {
            let k = kv.split('=').next().unwrap_or("");
            matches!(k, "code" | "state" | "error" | "iss")
        }) {
            return Err("a redirect URI's query must not carry code, state, error or iss".into());
        }
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
