//! Liveness, readiness and Prometheus metrics.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The process is up.
pub async fn healthz_get() -> &'static str {
    "ok\n"
}

/// Ready only when the database answers and signing keys are loaded (REL-10).
pub async fn readyz_get(State(st): State<AppState>) -> Response {
    let db = st.store.ping().await;
    let keys = !st.keyring().is_empty();
    match (db, keys) {
        (Ok(()), true) => (StatusCode::OK, "ready\n").into_response(),
        (Err(e), _) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
        (_, false) => {
            (StatusCode::SERVICE_UNAVAILABLE, "signing keys not loaded\n").into_response()
        }
    }
}

pub async fn metrics_get(State(st): State<AppState>) -> Response {
    let mut body = st.metrics.render(st.store.backend());
    if let Some(c) = st.store.cache_stats() {
        use std::fmt::Write;
        let _ = write!(
            body,
            "# HELP latchkey_cache_reads_total Hot-path reads answered from memory (hit) or the database (miss).\n\
             # TYPE latchkey_cache_reads_total counter\n\
             latchkey_cache_reads_total{{result=\"hit\"}} {}\n\
             latchkey_cache_reads_total{{result=\"miss\"}} {}\n",
            c.hits, c.misses
        );
    }
    if let Some(g) = st.store.group_commit_stats() {
        use std::fmt::Write;
        let _ = write!(
            body,
            "# HELP latchkey_group_commits_total Transactions that committed a group of token-path writes.\n\
             # TYPE latchkey_group_commits_total counter\n\
             latchkey_group_commits_total {}\n\
             # HELP latchkey_group_commit_writes_total Token-path writes committed in those groups.\n\
             # TYPE latchkey_group_commit_writes_total counter\n\
             latchkey_group_commit_writes_total {}\n",
            g.commits, g.writes
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
