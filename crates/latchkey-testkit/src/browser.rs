//! A minimal browser for tests: keeps cookies, never follows redirects on its own, and
//! reads hidden form fields out of our pages.

use reqwest::{Client, Response};
use std::collections::BTreeMap;

pub struct Browser {
    pub http: Client,
    pub cookies: BTreeMap<String, String>,
    pub base: String,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self::from_address(base, None)
    }

    /// A browser whose connections come from `local` (any 127.x address reaches a server
    /// on 127.0.0.1): another "network address" for the per-address limits.
    pub fn from_address(base: &str, local: Option<std::net::IpAddr>) -> Self {
        // reqwest's TLS (rustls) uses the process's aws-lc-rs provider.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        Browser {
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(local)
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            base: base.to_owned(),
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, r: &Response) {
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let first = v.split(';').next().unwrap();
            let (k, val) = first.split_once('=').unwrap();
            if val.is_empty() || v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    pub async fn get(&mut self, url: &str) -> Response {
        let r = self
            .http
            .get(self.absolute(url))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }

    pub async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Response {
        let r = self
            .http
            .post(self.absolute(url))
            .header("cookie", self.cookie_header())
            .header("origin", self.base.clone())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&r);
        r
    }
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location on {}", r.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The `value` of the hidden input named `name`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in page"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end]
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// Every hidden input of a page, `(name, value)`, in order.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[at + "<input type=\"hidden\" name=\"".len()..];
        let name = rest[..rest.find('"').unwrap()].to_owned();
        out.push((name.clone(), hidden(html, &name)));
    }
    out
}

/// Sign out through the confirmation page `page` (the response that showed it): POST
/// its form with `confirm=yes` (docs/security-review.md finding 8).
pub async fn confirm_logout(b: &mut Browser, page: Response) -> Response {
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Sign out?"),
        "not the confirmation page: {html}"
    );
    let action = {
        let at = html.find("action=\"").unwrap() + "action=\"".len();
        html[at..at + html[at..].find('"').unwrap()].replace("&#x2f;", "/")
    };
    let mut form = hidden_fields(&html);
    form.push(("confirm".into(), "yes".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(&action, &pairs).await
}

/// A query parameter of a URL, decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| urldecode(v))
    })
}

fn urldecode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
