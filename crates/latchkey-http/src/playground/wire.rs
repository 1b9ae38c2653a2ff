//! The Playground's HTTP exchanges: real requests through this server's own router
//! (in-process, `tower::ServiceExt::oneshot`), carrying the developer's peer address so
//! the usual brute-force limits apply, and the exchange written out as raw HTTP for the
//! page, with the client secret masked and long tokens shortened.

use crate::state::AppState;
use axum::body::Body;
use axum::http::{Method, Request, header};
use latchkey_core::playground::Exchange;
use latchkey_core::playground::explain::explain;
use serde_json::Value;
use std::net::SocketAddr;
use tower::ServiceExt;

/// Largest response body the Playground reads back.
const MAX_BODY: usize = 256 * 1024;

pub struct Call<'a> {
    pub label: &'a str,
    pub method: Method,
    pub path: String,
    /// Form fields of a POST body.
    pub form: Vec<(&'a str, String)>,
    pub bearer: Option<String>,
    /// HTTP Basic client authentication (client id, secret).
    pub basic: Option<(String, String)>,
}

impl<'a> Call<'a> {
    /// A form POST without client authentication headers.
    pub fn form(label: &'a str, path: &str, form: Vec<(&'a str, String)>) -> Self {
        Call {
            label,
            method: Method::POST,
            path: path.to_owned(),
            form,
            bearer: None,
            basic: None,
        }
    }
}

pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub exchange: Exchange,
}

fn shorten(token: &str) -> String {
    if token.len() > 48 {
        format!("{}…{}", &token[..24], &token[token.len() - 8..])
    } else {
        token.to_owned()
    }
}

fn form_body(form: &[(&str, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

/// The request as the page shows it.
fn shown_request(c: &Call<'_>) -> String {
    let mut out = format!("{} {} HTTP/1.1\n", c.method, c.path);
    if c.basic.is_some() {
        out.push_str("Authorization: Basic ••••••••  (client_id:client_secret)\n");
    }
    if let Some(b) = &c.bearer {
        out.push_str(&format!("Authorization: Bearer {}\n", shorten(b)));
    }
    if !c.form.is_empty() {
        out.push_str("Content-Type: application/x-www-form-urlencoded\n\n");
        let shown: Vec<(&str, String)> = c
            .form
            .iter()
            .map(|(k, v)| match *k {
                "client_secret" => (*k, "••••••••".to_owned()),
                "code" | "refresh_token" | "token" | "client_assertion" | "assertion"
                | "jwt_token" => (*k, shorten(v)),
                _ => (*k, v.clone()),
            })
            .collect();
        // Shown, not sent: one field per line, unencoded, so it reads as typed.
        let lines: Vec<String> = shown.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&lines.join("\n&"));
    }
    out
}

/// Send `c` through the router as if from `peer`; answer with its status, JSON body and
/// the exchange for the page (with an explanation when it carries an OAuth error).
pub async fn send(st: &AppState, peer: Option<SocketAddr>, c: Call<'_>, client_id: &str) -> Answer {
    let mut rq = Request::builder()
        .method(c.method.clone())
        .uri(&c.path)
        .header(header::HOST, host(st))
        .header(header::ACCEPT, "application/json");
    if let Some(b) = &c.bearer {
        rq = rq.header(header::AUTHORIZATION, format!("Bearer {b}"));
    }
    if let Some((id, secret)) = &c.basic {
        use base64::Engine;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", enc(id), enc(secret));
        rq = rq.header(
            header::AUTHORIZATION,
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
        );
    }
    let body = if c.form.is_empty() {
        Body::empty()
    } else {
        rq = rq.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(form_body(&c.form))
    };
    let mut request = match rq.body(body) {
        Ok(r) => r,
        Err(e) => return failed(&c, &format!("could not build the request: {e}")),
    };
    if let Some(p) = peer {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(p));
    }
    let response = match crate::app(st.clone()).oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let www = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(response.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let mut shown = format!("HTTP/1.1 {status}\n");
    if !content_type.is_empty() {
        shown.push_str(&format!("Content-Type: {content_type}\n"));
    }
    if let Some(w) = &www {
        shown.push_str(&format!("WWW-Authenticate: {w}\n"));
    }
    shown.push('\n');
    shown.push_str(&if json.is_null() {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        serde_json::to_string_pretty(&json).unwrap_or_default()
    });
    let explanation = json["error"].as_str().map(|e| {
        explain(
            e,
            json["error_description"].as_str().unwrap_or_default(),
            client_id,
        )
    });
    Answer {
        status,
        exchange: Exchange {
            label: c.label.to_owned(),
            request: shown_request(&c),
            status,
            response: shown,
            explanation,
        },
        json,
    }
}

fn failed(c: &Call<'_>, why: &str) -> Answer {
    Answer {
        status: 0,
        json: Value::Null,
        exchange: Exchange {
            label: c.label.to_owned(),
            request: shown_request(c),
            status: 0,
            response: why.to_owned(),
            explanation: None,
        },
    }
}

fn host(st: &AppState) -> String {
    url::Url::parse(&st.tokens().issuer)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_owned(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_else(|| "localhost".to_owned())
}
