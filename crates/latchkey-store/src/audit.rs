//! `AuditStore`: the audit log, written in the transaction of the change it records.
//!
//! A store has a `pending` slot, empty except in the views `audited` makes. Every write
//! transaction of the store macros ends in `commit_audited`, which first inserts what is
//! pending (taking it, so one write carries the events once); the token-path writes
//! (`in_write`, the group commit on SQLite) append the insert to the write's own
//! connection. So an entry is durable exactly when its change is.

use latchkey_core::clock::Timestamp;
use latchkey_core::ids::OrgId;
use latchkey_core::model::{AuditAction, AuditEvent};
use latchkey_core::store::{StoreError, StoreResult};
use std::sync::{Arc, Mutex};

/// Events waiting for the next write of an `audited` view.
pub(crate) type Pending = Option<Arc<Events>>;

#[derive(Debug)]
pub(crate) struct Events(Mutex<Vec<AuditEvent>>);

/// A view dropped with its events unwritten: the operation made no write through it (it
/// failed first, or wrote through a path that does not carry audit events, a bug).
impl Drop for Events {
    fn drop(&mut self) {
        let left = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        if !left.is_empty() {
            let actions: Vec<&str> = left.iter().map(|e| e.action.as_str()).collect();
            tracing::debug!(
                ?actions,
                "audit events not written: their change was not made"
            );
        }
    }
}

pub(crate) fn take(pending: &Pending) -> Vec<AuditEvent> {
    match pending {
        Some(p) => std::mem::take(&mut *p.0.lock().unwrap_or_else(|e| e.into_inner())),
        None => Vec::new(),
    }
}

pub(crate) fn new_pending(events: Vec<AuditEvent>) -> Pending {
    Some(Arc::new(Events(Mutex::new(events))))
}

/// `seq, id, at, org_id, actor, action, target, address, details`
pub(crate) type AuditRow = (
    i64,
    String,
    i64,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    String,
);

pub(crate) fn event(
    (_, id, at, org, actor, action, target, address, details): AuditRow,
) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        action: action
            .parse::<AuditAction>()
            .map_err(|e| StoreError::Backend(format!("corrupt audit row '{id}': {e}")))?,
        details: serde_json::from_str(&details)
            .map_err(|e| StoreError::Backend(format!("corrupt audit row '{id}': {e}")))?,
        id,
        at: Timestamp(at),
        org_id: org.map(OrgId),
        actor,
        target,
        address,
    })
}

/// The insert of one event, bound.
macro_rules! insert_event {
    ($e:expr) => {
        sqlx::query(
            "INSERT INTO audit_events \
             (id, at, org_id, actor, action, target, address, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&$e.id)
        .bind($e.at.0)
        .bind($e.org_id.as_ref().map(|o| o.as_str()))
        .bind(&$e.actor)
        .bind($e.action.as_str())
        .bind(&$e.target)
        .bind(&$e.address)
        .bind($e.details.to_string())
    };
}
pub(crate) use insert_event;

macro_rules! impl_audit {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::model::{AuditEvent, AuditQuery};
            use latchkey_core::store::{AuditStore, Store, StoreResult};
            use std::sync::Arc;
            use $crate::audit::{self as audit, insert_event};
            use $crate::error::backend;

            impl $store {
                /// Insert `events` on `conn` (inside the caller's transaction).
                pub(crate) async fn insert_audit(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    events: &[AuditEvent],
                ) -> StoreResult<()> {
                    for e in events {
                        insert_event!(e)
                            .execute(&mut *conn)
                            .await
                            .map_err(backend)?;
                    }
                    // I/O Events' outbox, in the same transaction.
                    Self::insert_outbox(conn, events).await
                }

                /// Commit a write transaction with the view's pending events in it.
                pub(crate) async fn commit_audited(
                    &self,
                    mut tx: sqlx::Transaction<'static, $db>,
                ) -> StoreResult<()> {
                    let events = audit::take(&self.pending);
                    Self::insert_audit(&mut tx, &events).await?;
                    tx.commit().await.map_err(backend)
                }

                /// Run `statements` in order in `tx`, each with `id` as `$1` (the children's
                /// rows first, the parent's last), then commit with the view's pending events:
                /// whether the last statement deleted a row.
                pub(crate) async fn delete_in_order(
                    &self,
                    mut tx: sqlx::Transaction<'static, $db>,
                    id: &str,
                    statements: &[&str],
                ) -> StoreResult<bool> {
                    let mut deleted = 0;
                    for sql in statements {
                        deleted = sqlx::query(sql)
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?
                            .rows_affected();
                    }
                    self.commit_audited(tx).await?;
                    Ok(deleted > 0)
                }
            }

            #[async_trait]
            impl AuditStore for $store {
                fn audited(&self, events: Vec<AuditEvent>) -> Arc<dyn Store> {
                    let mut view = self.clone();
                    view.pending = audit::new_pending(events);
                    Arc::new(view)
                }

                async fn record_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
                    let tx = self.begin_write().await?;
                    let mut tx = tx;
                    Self::insert_audit(&mut tx, events).await?;
                    tx.commit().await.map_err(backend)
                }

                async fn search_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
                    let text = q
                        .text
                        .as_deref()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map($crate::admin::contains_pattern);
                    let rows = sqlx::query_as::<_, audit::AuditRow>(
                        "SELECT seq, id, at, org_id, actor, action, target, address, details \
                         FROM audit_events \
                         WHERE ($1 IS NULL OR org_id = $1) AND ($2 IS NULL OR action = $2) \
                         AND ($3 IS NULL OR LOWER(actor) LIKE $3 ESCAPE '\\' \
                              OR LOWER(target) LIKE $3 ESCAPE '\\') \
                         AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5) \
                         ORDER BY at DESC, seq DESC LIMIT $6",
                    )
                    .bind(q.org_id.as_ref().map(|o| o.as_str()))
                    .bind(q.action.map(|a| a.as_str()))
                    .bind(text)
                    .bind(q.since.map(|t| t.0))
                    .bind(q.until.map(|t| t.0))
                    .bind(q.limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    rows.into_iter().map(audit::event).collect()
                }

                async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM audit_events WHERE at < $1")
                        .bind(before.0)
                        .execute(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}

pub(crate) use impl_audit;
