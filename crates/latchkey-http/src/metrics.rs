//! Prometheus text metrics: requests by route and status, request time, tokens issued.
//! Hand-rolled counters: a metrics crate would cost more than these few lines.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Status → (requests, seconds spent answering them).
type ByStatus = BTreeMap<u16, (u64, f64)>;

#[derive(Debug, Default)]
pub struct Metrics {
    /// Route pattern → status → (count, seconds). Nested so that a request for a route
    /// already seen allocates nothing.
    requests: Mutex<BTreeMap<String, ByStatus>>,
    tokens: Mutex<BTreeMap<&'static str, u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    pub fn observe(&self, route: &str, status: u16, secs: f64) {
        let mut r = lock(&self.requests);
        let by_status = match r.get_mut(route) {
            Some(m) => m,
            None => r.entry(route.to_owned()).or_default(),
        };
        let e = by_status.entry(status).or_default();
        e.0 += 1;
        e.1 += secs;
    }

    pub fn token_issued(&self, grant: &'static str) {
        *lock(&self.tokens).entry(grant).or_default() += 1;
    }

    pub fn render(&self, backend: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP latchkey_build_info Latchkey version and storage backend.\n# TYPE latchkey_build_info gauge"
        );
        let _ = writeln!(
            out,
            "latchkey_build_info{{version=\"{}\",backend=\"{backend}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            out,
            "# HELP latchkey_http_requests_total HTTP requests by route and status.\n# TYPE latchkey_http_requests_total counter"
        );
        let reqs = lock(&self.requests);
        let rows = || {
            reqs.iter()
                .flat_map(|(route, m)| m.iter().map(move |(status, v)| (route, status, v)))
        };
        for (route, status, (n, _)) in rows() {
            let _ = writeln!(
                out,
                "latchkey_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP latchkey_http_request_seconds_sum Time spent answering, by route and status.\n# TYPE latchkey_http_request_seconds_sum counter"
        );
        for (route, status, (_, s)) in rows() {
            let _ = writeln!(
                out,
                "latchkey_http_request_seconds_sum{{route=\"{route}\",status=\"{status}\"}} {s:.6}"
            );
        }
        drop(reqs);
        let _ = writeln!(
            out,
            "# HELP latchkey_tokens_issued_total Access tokens issued, by grant type.\n# TYPE latchkey_tokens_issued_total counter"
        );
        for (grant, n) in lock(&self.tokens).iter() {
            let _ = writeln!(out, "latchkey_tokens_issued_total{{grant=\"{grant}\"}} {n}");
        }
        out
    }
}

/// Middleware recording every request under its route pattern (never the raw path, so
/// scanners cannot blow up the label set).
#[allow(clippy::disallowed_methods)] // elapsed time for metrics, not a protocol decision
pub async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let started = std::time::Instant::now();
    let resp = crate::state::PEER.scope(peer, next.run(req)).await;
    st.metrics.observe(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn requests_are_counted_by_route_and_status_in_order() {
        let m = Metrics::default();
        for (route, status) in [("/b", 200), ("/a", 404), ("/a", 200), ("/a", 200)] {
            m.observe(route, status, 0.5);
        }
        let text = m.render("sqlite");
        let counts: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("latchkey_http_requests_total{"))
            .collect();
        assert_eq!(
            counts,
            [
                "latchkey_http_requests_total{route=\"/a\",status=\"200\"} 2",
                "latchkey_http_requests_total{route=\"/a\",status=\"404\"} 1",
                "latchkey_http_requests_total{route=\"/b\",status=\"200\"} 1",
            ]
        );
        assert!(
            text.contains(
                "latchkey_http_request_seconds_sum{route=\"/a\",status=\"200\"} 1.000000"
            )
        );
    }
}
