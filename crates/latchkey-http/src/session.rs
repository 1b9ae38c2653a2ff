//! The browser side: the sign-in session cookie and CSRF protection for our own forms.
//!
//! - Session: a 256-bit random cookie value; only its SHA-256 is stored. `HttpOnly`,
//!   `SameSite=Lax` (top-level navigations from client apps must carry it), `Secure` when
//!   the issuer is https.
//! - CSRF (SEC-34): a hidden form field carrying a token bound to the browser's session
//!   (`latchkey_core::csrf`; docs/security-review.md finding 9): HMAC of the session cookie, or before
//!   sign-in of a random `lk_csrf` cookie (`SameSite=Strict`), under a key derived from
//!   the master key; plus an `Origin` / `Sec-Fetch-Site` check on every POST.
//! - Under an https issuer both cookies are named with the `__Host-` prefix, which
//!   browsers only accept with `Secure`, `Path=/` and no `Domain`: a sibling subdomain
//!   cannot plant or overwrite them (RFC 6265bis §4.1.3.2).

use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use latchkey_core::csrf::Binding;
use latchkey_core::flows;
use latchkey_core::model::{Session, User};
use latchkey_core::rand::token;

pub const SESSION_COOKIE: &str = "lk_session";
pub const CSRF_COOKIE: &str = "lk_csrf";

/// The session and CSRF cookie names for an issuer: `__Host-`-prefixed under https.
pub fn cookie_names(issuer: &str) -> (&'static str, &'static str) {
    if issuer.starts_with("https://") {
        ("__Host-lk_session", "__Host-lk_csrf")
    } else {
        (SESSION_COOKIE, CSRF_COOKIE)
    }
}

fn session_cookie(st: &AppState) -> &'static str {
    cookie_names(&st.tokens().issuer).0
}

fn csrf_cookie(st: &AppState) -> &'static str {
    cookie_names(&st.tokens().issuer).1
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

fn secure_attr(st: &AppState) -> &'static str {
    if st.tokens().issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

pub fn set_cookie(resp: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The signed-in user of this browser, if the session is live and the user active.
pub async fn current(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Session, User)>, latchkey_core::store::StoreError> {
    let raw = cookie(headers, session_cookie(st));
    let keyring = st.keyring();
    flows::session::current(&st.flow(&keyring), raw.as_deref()).await
}

/// Start a session for `user`; returns the `Set-Cookie` value.
pub async fn start(
    st: &AppState,
    user: &User,
) -> Result<(Session, String), latchkey_core::store::StoreError> {
    let keyring = st.keyring();
    let (session, raw) = flows::session::start(&st.flow(&keyring), user).await?;
    let c = format!(
        "{}={raw}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        session_cookie(st),
        st.tokens().lifetimes.session_secs,
        secure_attr(st)
    );
    Ok((session, c))
}

/// End this browser's session; returns the `Set-Cookie` value that clears it.
pub async fn end(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<String, latchkey_core::store::StoreError> {
    if let Some(raw) = cookie(headers, session_cookie(st)) {
        let keyring = st.keyring();
        flows::session::end(&st.flow(&keyring), &raw).await?;
    }
    Ok(format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        session_cookie(st),
        secure_attr(st)
    ))
}

/// What this browser's CSRF tokens are bound to: its session cookie, else its
/// pre-session cookie, else nothing yet.
fn csrf_binding(st: &AppState, headers: &HeaderMap) -> Option<(bool, String)> {
    if let Some(raw) = cookie(headers, session_cookie(st)) {
        return Some((true, raw));
    }
    cookie(headers, csrf_cookie(st))
        .filter(|t| t.len() >= 32)
        .map(|t| (false, t))
}

fn bound(binding: &(bool, String)) -> Binding<'_> {
    match binding {
        (true, raw) => Binding::Session(raw),
        (false, raw) => Binding::Browser(raw),
    }
}

/// The CSRF token for a form, plus the pre-session cookie to set with the page when the
/// browser has neither a session nor that cookie yet.
pub fn csrf_token(st: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    if let Some(b) = csrf_binding(st, headers) {
        return (st.csrf.token(bound(&b)), None);
    }
    let t = token(st.rng.as_ref(), 32);
    let c = format!(
        "{}={t}; Path=/; HttpOnly; SameSite=Strict{}",
        csrf_cookie(st),
        secure_attr(st)
    );
    (st.csrf.token(Binding::Browser(&t)), Some(c))
}

/// SEC-34: a POST of one of our forms must carry the token of this browser's binding
/// and come from our origin.
pub fn csrf_ok(st: &AppState, headers: &HeaderMap, submitted: Option<&str>) -> bool {
    let token_ok = match (csrf_binding(st, headers), submitted) {
        (Some(b), Some(s)) => st.csrf.verify(bound(&b), s),
        _ => false,
    };
    from_our_origin(&st.tokens().issuer, headers) && token_ok
}

/// The `Origin` / `Sec-Fetch-Site` half of SEC-34.
///
/// Our pages send `Referrer-Policy: no-referrer` (SEC-07), and under that policy browsers
/// serialize the origin of a form POST as `Origin: null` (Fetch, "serializing a request
/// origin"), even for a same-origin form. So `null` is accepted only when the browser's
/// own `Sec-Fetch-Site: same-origin` vouches for it; any other `null` (sandboxed frames,
/// `data:` documents) is refused.
fn from_our_origin(issuer: &str, headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let same_origin = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None => true,
        Some("null") => fetch_site == Some("same-origin"),
        Some(origin) => issuer.starts_with(origin) && issuer_origin(issuer) == origin,
    };
    let fetch_ok = !fetch_site.is_some_and(|v| v == "cross-site" || v == "same-site");
    same_origin && fetch_ok
}

/// The page for a POST that failed the CSRF check: 403, nothing done (SEC-34).
pub fn csrf_refused() -> Response {
    crate::pages::error_page(
        axum::http::StatusCode::FORBIDDEN,
        "Request refused",
        "The form was not submitted from this site. Reload the page and try again.",
    )
}

/// `scheme://host[:port]` of the issuer.
fn issuer_origin(issuer: &str) -> &str {
    let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
    match issuer[after_scheme..].find('/') {
        Some(i) => &issuer[..after_scheme + i],
        None => issuer,
    }
}

/// A `return_to` target that stays on this server (SEC-05): an absolute path, not `//`.
pub fn safe_return_to(v: Option<&str>) -> Option<String> {
    v.filter(|p| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains('\\')
            && !p.chars().any(char::is_control)
            && p.len() <= 512
    })
    .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_05_return_to_stays_on_this_server() {
        assert_eq!(
            safe_return_to(Some("/account/connected-applications")).as_deref(),
            Some("/account/connected-applications")
        );
        for bad in [
            "//evil.test",
            "https://evil.test",
            "/\\evil.test",
            "evil",
            "/a\r\nb",
        ] {
            assert_eq!(safe_return_to(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn sec_34_origin_checks_and_the_null_origin_of_no_referrer_pages() {
        let issuer = "http://127.0.0.1:8080";
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        // What Chromium sends for our login form (the page is `no-referrer`).
        assert!(from_our_origin(
            issuer,
            &h(&[("origin", "null"), ("sec-fetch-site", "same-origin")])
        ));
        assert!(from_our_origin(issuer, &h(&[("origin", issuer)])));
        assert!(from_our_origin(issuer, &h(&[])));
        for refused in [
            h(&[("origin", "null")]),
            h(&[("origin", "null"), ("sec-fetch-site", "cross-site")]),
            h(&[("origin", "null"), ("sec-fetch-site", "none")]),
            h(&[("origin", "https://evil.test")]),
            h(&[("origin", "http://127.0.0.1:8080.evil.test")]),
            h(&[("origin", issuer), ("sec-fetch-site", "cross-site")]),
            h(&[("sec-fetch-site", "same-site")]),
        ] {
            assert!(!from_our_origin(issuer, &refused), "{refused:?}");
        }
    }

    #[test]
    fn review_09_cookies_take_the_host_prefix_under_https() {
        assert_eq!(
            cookie_names("https://idp.example"),
            ("__Host-lk_session", "__Host-lk_csrf")
        );
        assert_eq!(
            cookie_names("http://127.0.0.1:8080"),
            ("lk_session", "lk_csrf")
        );
    }

    #[test]
    fn issuer_origin_drops_the_path() {
        assert_eq!(
            issuer_origin("https://idp.example/base"),
            "https://idp.example"
        );
        assert_eq!(
            issuer_origin("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }
}
