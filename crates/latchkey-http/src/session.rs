//! The browser side: the sign-in session cookie and CSRF protection for our own forms.
//!
//! - Session: a 256-bit random cookie value; only its SHA-256 is stored. `HttpOnly`,
//!   `SameSite=Lax` (top-level navigations from client apps must carry it), `Secure` when
//!   the issuer is https.
//! - CSRF (SEC-34): a double-submit token — a random `lk_csrf` cookie (`SameSite=Strict`)
//!   echoed in a hidden form field, compared in constant time — plus an `Origin` /
//!   `Sec-Fetch-Site` check on every POST.

use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use latchkey_core::model::{Session, User};
use latchkey_core::rand::token;
use latchkey_core::secret::sha256_hex;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "lk_session";
pub const CSRF_COOKIE: &str = "lk_csrf";
/// How long a sign-in lasts.
pub const SESSION_TTL_SECS: i64 = 12 * 3600;

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
    let Some(raw) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = st.store.get_session(&sha256_hex(&raw), st.now()).await? else {
        return Ok(None);
    };
    match st.store.get_user(&session.user_id).await? {
        Some(u) if !u.disabled => Ok(Some((session, u))),
        _ => Ok(None),
    }
}

/// Start a session for `user`; returns the `Set-Cookie` value.
pub async fn start(
    st: &AppState,
    user: &User,
) -> Result<(Session, String), latchkey_core::store::StoreError> {
    let raw = token(st.rng.as_ref(), 32);
    let now = st.now();
    let session = Session {
        hash: sha256_hex(&raw),
        user_id: user.id.clone(),
        auth_time: now,
        created_at: now,
        expires_at: now.plus_secs(SESSION_TTL_SECS),
    };
    st.store.insert_session(&session).await?;
    let c = format!(
        "{SESSION_COOKIE}={raw}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_TTL_SECS}{}",
        secure_attr(st)
    );
    Ok((session, c))
}

/// End this browser's session; returns the `Set-Cookie` value that clears it.
pub async fn end(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<String, latchkey_core::store::StoreError> {
    if let Some(raw) = cookie(headers, SESSION_COOKIE) {
        st.store.delete_session(&sha256_hex(&raw)).await?;
    }
    Ok(format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure_attr(st)
    ))
}

/// The CSRF token for a form: the browser's existing one, or a new one plus the cookie
/// that must be set with the page.
pub fn csrf_token(st: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, CSRF_COOKIE) {
        Some(t) if t.len() >= 32 => (t, None),
        _ => {
            let t = token(st.rng.as_ref(), 32);
            let c = format!(
                "{CSRF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict{}",
                secure_attr(st)
            );
            (t, Some(c))
        }
    }
}

/// SEC-34: a POST of one of our forms must echo the CSRF cookie and come from our origin.
pub fn csrf_ok(st: &AppState, headers: &HeaderMap, submitted: Option<&str>) -> bool {
    let token_ok = match (cookie(headers, CSRF_COOKIE), submitted) {
        (Some(c), Some(s)) => c.len() >= 32 && bool::from(c.as_bytes().ct_eq(s.as_bytes())),
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
