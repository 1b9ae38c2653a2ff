//! `latchkey serve`: bind, open the store, load the keys, optionally seed the demo, serve
//! until SIGTERM or Ctrl-C, draining in-flight requests (REL-10).

use crate::cli::ServeArgs;
use crate::commands::{CmdResult, credential_json, open_store, redact_url};
use crate::config::{Config, resolve_issuer};
use latchkey_core::admin::{self, demo};
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::model::CredentialKind;
use latchkey_core::rand::{Rng, SystemRng};
use latchkey_http::{AppState, ServerSettings};
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// How often a node re-reads signing keys, so a rotation anywhere is seen everywhere.
const KEY_RELOAD_EVERY: Duration = Duration::from_secs(10);
const PURGE_EVERY: Duration = Duration::from_secs(3600);

pub async fn serve(mut config: Config, args: ServeArgs) -> CmdResult {
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if args.issuer.is_some() {
        config.issuer = args.issuer;
    }
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let issuer = resolve_issuer(config.issuer.as_deref(), bound)?;
    let store = open_store(&config).await?;
    let master = crate::masterkey::load(&config.database, store.as_ref()).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rng: Arc<dyn Rng> = Arc::new(SystemRng);
    let settings = ServerSettings {
        tokens: config.token_settings(issuer.clone())?,
        max_body_bytes: config.max_body_bytes,
        address_limits: config.address_limits(),
        timeouts: config.timeouts(),
        events: config.event_settings(),
    };
    let state = AppState::new(store.clone(), clock, rng, settings, master)
        .await
        .map_err(|e| e.to_string())?;
    if args.demo {
        seed_demo(&state, &issuer, args.json).await?;
    }
    spawn_housekeeping(state.clone(), config.audit_retention_days);
    latchkey_http::events::spawn_worker(state.clone(), config.event_settings());
    // (The same settings are in `state.settings.events` for the console's challenge.)
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "Latchkey listening on http://{bound} (issuer {issuer}; {} database {})",
        store.backend(),
        redact_url(&config.database)
    );
    let _ = out.flush();
    tracing::info!(%issuer, %bound, "listening");
    latchkey_http::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("shut down cleanly");
    Ok(())
}

fn spawn_housekeeping(state: AppState, audit_retention_days: i64) {
    let keys = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(KEY_RELOAD_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = keys.reload_keys().await {
                tracing::warn!(error = %e, "could not reload signing keys; keeping the current ones");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            let now = state.now();
            let purged = match (
                state.store.purge_expired(now).await,
                state.store.purge_assertion_jtis(now).await,
            ) {
                (Ok(a), Ok(b)) => a + b,
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "purge failed");
                    continue;
                }
            };
            if purged > 0 {
                tracing::info!(
                    purged,
                    "forgot expired codes, tokens, sessions and assertion ids"
                );
            }
            match latchkey_core::admin::audit_log::purge(&state.admin_ctx(), audit_retention_days)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    n,
                    audit_retention_days,
                    "forgot old audit-log entries and finished event deliveries"
                ),
                Err(e) => tracing::warn!(error = %e, "audit-log purge failed"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: draining in-flight requests");
}

async fn seed_demo(state: &AppState, issuer: &str, json_mode: bool) -> CmdResult {
    // The built-in org of Adobe's CLI clients does not count as data.
    let has_data = state
        .store
        .list_orgs()
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .any(|o| o.id.0 != admin::builtin::BUILTIN_ORG);
    if has_data {
        let msg = "The database already has data, so no demo was seeded. Demo secrets were shown when they were created; \
                   get a new one with `latchkey credential rotate-secret --client-id ID`.";
        if json_mode {
            println!("{}", json!({"demo": null, "note": msg}));
        } else {
            println!("{msg}");
        }
        return Ok(());
    }
    let ctx = state.admin_ctx();
    let d = demo::seed(&ctx, issuer)
        .await
        .map_err(|e: admin::AdminError| e.to_string())?;
    if json_mode {
        let creds: Vec<_> = d.credentials.iter().map(credential_json).collect();
        println!(
            "{}",
            json!({"demo": {
                "issuer": issuer,
                "org_id": d.org.id,
                "user": {"id": d.user.id, "email": d.user.email, "password": demo::DEMO_PASSWORD},
                "project_id": d.project.id,
                "credentials": creds,
            }})
        );
        return Ok(());
    }
    let mut s = String::new();
    s.push_str("\n=== Latchkey demo data (secrets are shown once: they are stored hashed) ===\n");
    s.push_str(&format!("Org:      {} ({})\n", d.org.name, d.org.id));
    s.push_str(&format!(
        "Sign in:  {} / {}\n",
        d.user.email,
        demo::DEMO_PASSWORD
    ));
    s.push_str(&format!(
        "Project:  {} ({})\n\n",
        d.project.name, d.project.id
    ));
    for c in &d.credentials {
        s.push_str(&crate::commands::credential_human(c));
        s.push_str("\n\n");
    }
    if let Some(s2s) = d
        .credentials
        .iter()
        .find(|c| c.credential.kind == CredentialKind::ServerToServer)
    {
        let secret = s2s.secret.as_ref().map(|x| x.expose()).unwrap_or_default();
        s.push_str("Get a token for the server-to-server credential:\n");
        s.push_str(&format!(
            "  curl -s {issuer}/ims/token/v3 -d grant_type=client_credentials -d client_id={} -d client_secret={secret} -d scope=openid,AdobeID,firefly_api\n",
            s2s.credential.client_id
        ));
    }
    println!("{s}");
    Ok(())
}
