//! HTML pages: templates compiled into the binary, autoescaped, and served with the
//! browser-surface headers of SEC-07 and SEC-33: no framing, no referrer, no caching.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;
use std::sync::OnceLock;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "console_events.html",
        include_str!("../templates/console_events.html"),
    ),
    (
        "console_deliveries.html",
        include_str!("../templates/console_deliveries.html"),
    ),
    (
        "admin_audit.html",
        include_str!("../templates/admin_audit.html"),
    ),
    (
        "admin_base.html",
        include_str!("../templates/admin_base.html"),
    ),
    (
        "admin_orgs.html",
        include_str!("../templates/admin_orgs.html"),
    ),
    (
        "admin_forbidden.html",
        include_str!("../templates/admin_forbidden.html"),
    ),
    (
        "admin_users.html",
        include_str!("../templates/admin_users.html"),
    ),
    (
        "admin_user.html",
        include_str!("../templates/admin_user.html"),
    ),
    (
        "admin_products.html",
        include_str!("../templates/admin_products.html"),
    ),
    (
        "admin_instance.html",
        include_str!("../templates/admin_instance.html"),
    ),
    (
        "admin_settings.html",
        include_str!("../templates/admin_settings.html"),
    ),
    ("invite.html", include_str!("../templates/invite.html")),
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("consent.html", include_str!("../templates/consent.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "connected_apps.html",
        include_str!("../templates/connected_apps.html"),
    ),
    (
        "signed_out.html",
        include_str!("../templates/signed_out.html"),
    ),
    ("home.html", include_str!("../templates/home.html")),
    (
        "logout_confirm.html",
        include_str!("../templates/logout_confirm.html"),
    ),
    (
        "playground.html",
        include_str!("../templates/playground.html"),
    ),
    (
        "playground_debugger.html",
        include_str!("../templates/playground_debugger.html"),
    ),
    (
        "console_base.html",
        include_str!("../templates/console_base.html"),
    ),
    (
        "console_orgs.html",
        include_str!("../templates/console_orgs.html"),
    ),
    (
        "console_org.html",
        include_str!("../templates/console_org.html"),
    ),
    (
        "console_project.html",
        include_str!("../templates/console_project.html"),
    ),
    (
        "console_new_credential.html",
        include_str!("../templates/console_new_credential.html"),
    ),
    (
        "console_credential.html",
        include_str!("../templates/console_credential.html"),
    ),
    (
        "console_secret.html",
        include_str!("../templates/console_secret.html"),
    ),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            if let Err(e) = env.add_template(name, src) {
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env
    })
}

/// Headers every HTML page carries.
pub fn secure_page(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    resp
}

/// Render a template with `ctx`; a rendering failure is a logged 500 page.
pub fn render<S: Serialize>(status: StatusCode, name: &str, ctx: S) -> Response {
    let html = env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| {
            tracing::error!(template = name, error = %e, "template failed");
            "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_owned()
        });
    secure_page((status, Html(html)).into_response())
}

/// A readable error page (never a redirect: SEC-02).
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    render(status, "error.html", minijinja::context! { title, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes() {
        for (name, _) in TEMPLATES {
            assert!(env().get_template(name).is_ok(), "{name}");
        }
        let r = env()
            .get_template("error.html")
            .unwrap()
            .render(minijinja::context! { title => "t", message => "<script>x</script>" })
            .unwrap();
        assert!(r.contains("&lt;script&gt;") && !r.contains("<script>x"));
    }
}
