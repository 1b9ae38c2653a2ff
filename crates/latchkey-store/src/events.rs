//! `EventStore`: I/O Events subscriptions and the delivery queue (`latchkey_core::events`),
//! as a macro both backends expand. Deliveries are inserted by `insert_outbox`, which
//! `insert_audit` calls in the audit entry's own transaction.

use latchkey_core::clock::Timestamp;
use latchkey_core::events::{Delivery, DeliveryStatus, Subscription};
use latchkey_core::ids::{OrgId, ProjectId};
use latchkey_core::model::AuditAction;
use latchkey_core::store::{StoreError, StoreResult};

/// `id, org_id, project_id, url, event_types, created_at`
pub(crate) type SubscriptionRow = (String, String, String, String, String, i64);

pub(crate) fn subscription(
    (id, org, project, url, types, created_at): SubscriptionRow,
) -> StoreResult<Subscription> {
    let names: Vec<String> = serde_json::from_str(&types)
        .map_err(|e| StoreError::Backend(format!("corrupt subscription '{id}': {e}")))?;
    let event_types = names
        .iter()
        .map(|n| n.parse::<AuditAction>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Backend(format!("corrupt subscription '{id}': {e}")))?;
    Ok(Subscription {
        id,
        org_id: OrgId(org),
        project_id: ProjectId(project),
        url,
        event_types,
        created_at: Timestamp(created_at),
    })
}

pub(crate) const DELIVERY_COLUMNS: &str = "id, subscription_id, event_id, event_type, payload, \
     status, attempts, created_at, next_attempt_at, last_attempt_at, last_status, last_error, \
     delivered_at";

/// The columns of `DELIVERY_COLUMNS`, in order.
pub(crate) type DeliveryRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

pub(crate) fn delivery(r: DeliveryRow) -> StoreResult<Delivery> {
    let (id, sub, event, ty, payload, status, attempts, created, next, last, code, err, done) = r;
    Ok(Delivery {
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Backend(format!("corrupt delivery '{id}': {status}")))?,
        id,
        subscription_id: sub,
        event_id: event,
        event_type: ty,
        payload,
        attempts,
        created_at: Timestamp(created),
        next_attempt_at: Timestamp(next),
        last_attempt_at: last.map(Timestamp),
        last_status: code,
        last_error: err,
        delivered_at: done.map(Timestamp),
    })
}

macro_rules! impl_event_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::events::{
                Delivery, DeliveryStatus, MAX_SUBSCRIPTIONS, Outcome, Subscription,
            };
            use latchkey_core::ids::ProjectId;
            use latchkey_core::model::AuditEvent;
            use latchkey_core::store::{EventStore, StoreError, StoreResult};
            use $crate::error::backend;
            use $crate::events::{self as rows, DELIVERY_COLUMNS};

            impl $store {
                /// The outbox: a pending delivery of each event for every subscription
                /// of its org that asked for its type, on the caller's connection.
                pub(crate) async fn insert_outbox(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    events: &[AuditEvent],
                ) -> StoreResult<()> {
                    for e in events {
                        let Some(org) = &e.org_id else { continue };
                        sqlx::query(
                            "INSERT INTO event_deliveries (id, subscription_id, event_id, \
                             event_type, payload, status, attempts, created_at, next_attempt_at) \
                             SELECT $1 || '.' || s.id, s.id, $2, $3, $4, $5, 0, $6, $7 \
                             FROM event_subscriptions s \
                             WHERE s.org_id = $8 AND s.event_types LIKE $9 ESCAPE '\\' \
                             ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(&e.id)
                        .bind(&e.id)
                        .bind(e.action.as_str())
                        .bind(latchkey_core::events::payload(e))
                        .bind(DeliveryStatus::Pending.as_str())
                        .bind(e.at.0)
                        .bind(e.at.0)
                        .bind(org.as_str())
                        .bind(latchkey_core::events::type_pattern(e.action))
                        .execute(&mut *conn)
                        .await
                        .map_err(backend)?;
                    }
                    Ok(())
                }
            }

            #[async_trait]
            impl EventStore for $store {
                async fn insert_subscription(&self, s: &Subscription) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM event_subscriptions WHERE project_id = $1",
                    )
                    .bind(s.project_id.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if n as usize >= MAX_SUBSCRIPTIONS {
                        return Err(StoreError::Conflict(format!(
                            "a project has at most {MAX_SUBSCRIPTIONS} event subscriptions"
                        )));
                    }
                    let types: Vec<&str> = s.event_types.iter().map(|t| t.as_str()).collect();
                    sqlx::query(
                        "INSERT INTO event_subscriptions \
                         (id, org_id, project_id, url, event_types, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&s.id)
                    .bind(s.org_id.as_str())
                    .bind(s.project_id.as_str())
                    .bind(&s.url)
                    .bind(serde_json::to_string(&types).unwrap_or_default())
                    .bind(s.created_at.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        $crate::error::write(e, |_| "subscription exists".into(), || {
                            format!("project {}", s.project_id)
                        })
                    })?;
                    self.commit_audited(tx).await
                }

                async fn get_subscription(&self, id: &str) -> StoreResult<Option<Subscription>> {
                    let row = sqlx::query_as::<_, rows::SubscriptionRow>(
                        "SELECT id, org_id, project_id, url, event_types, created_at \
                         FROM event_subscriptions WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    row.map(rows::subscription).transpose()
                }

                async fn list_subscriptions(
                    &self,
                    project: &ProjectId,
                ) -> StoreResult<Vec<Subscription>> {
                    let found = sqlx::query_as::<_, rows::SubscriptionRow>(
                        "SELECT id, org_id, project_id, url, event_types, created_at \
                         FROM event_subscriptions WHERE project_id = $1 ORDER BY created_at, id",
                    )
                    .bind(project.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    found.into_iter().map(rows::subscription).collect()
                }

                async fn delete_subscription(&self, id: &str) -> StoreResult<bool> {
                    let tx = self.begin_write().await?;
                    self.delete_in_order(
                        tx,
                        id,
                        &[
                            "DELETE FROM event_deliveries WHERE subscription_id = $1",
                            "DELETE FROM event_subscriptions WHERE id = $1",
                        ],
                    )
                    .await
                }

                async fn claim_deliveries(
                    &self,
                    now: Timestamp,
                    lease_until: Timestamp,
                    limit: i64,
                ) -> StoreResult<Vec<(Delivery, String)>> {
                    let mut tx = self.begin_write().await?;
                    let claimed = sqlx::query_as::<_, rows::DeliveryRow>(&format!(
                        "UPDATE event_deliveries SET locked_until = $1, attempts = attempts + 1, \
                         last_attempt_at = $2 \
                         WHERE id IN (SELECT id FROM event_deliveries \
                           WHERE status = $3 AND next_attempt_at <= $4 \
                           AND (locked_until IS NULL OR locked_until <= $5) \
                           ORDER BY next_attempt_at LIMIT $6 {}) \
                         RETURNING {DELIVERY_COLUMNS}",
                        Self::SKIP_LOCKED
                    ))
                    .bind(lease_until.0)
                    .bind(now.0)
                    .bind(DeliveryStatus::Pending.as_str())
                    .bind(now.0)
                    .bind(now.0)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                    let mut out = Vec::with_capacity(claimed.len());
                    for r in claimed {
                        let d = rows::delivery(r)?;
                        let url: Option<String> = sqlx::query_scalar(
                            "SELECT url FROM event_subscriptions WHERE id = $1",
                        )
                        .bind(&d.subscription_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(backend)?;
                        if let Some(url) = url {
                            out.push((d, url));
                        }
                    }
                    tx.commit().await.map_err(backend)?;
                    Ok(out)
                }

                async fn finish_delivery(
                    &self,
                    id: &str,
                    o: &Outcome,
                    now: Timestamp,
                ) -> StoreResult<()> {
                    let delivered = (o.status == DeliveryStatus::Delivered).then_some(now.0);
                    sqlx::query(
                        "UPDATE event_deliveries SET status = $1, next_attempt_at = $2, \
                         locked_until = NULL, last_status = $3, last_error = $4, \
                         delivered_at = COALESCE($5, delivered_at) WHERE id = $6",
                    )
                    .bind(o.status.as_str())
                    .bind(o.next_attempt_at.0)
                    .bind(o.http_status)
                    .bind(&o.error)
                    .bind(delivered)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(())
                }

                async fn list_deliveries(
                    &self,
                    subscription: &str,
                    limit: i64,
                ) -> StoreResult<Vec<Delivery>> {
                    let found = sqlx::query_as::<_, rows::DeliveryRow>(&format!(
                        "SELECT {DELIVERY_COLUMNS} FROM event_deliveries \
                         WHERE subscription_id = $1 ORDER BY created_at DESC, id LIMIT $2"
                    ))
                    .bind(subscription)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    found.into_iter().map(rows::delivery).collect()
                }

                async fn purge_deliveries(&self, before: Timestamp) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "DELETE FROM event_deliveries WHERE created_at < $1 AND status <> $2",
                    )
                    .bind(before.0)
                    .bind(DeliveryStatus::Pending.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(done.rows_affected())
                }

                async fn redeliver(&self, id: &str, now: Timestamp) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE event_deliveries SET status = $1, next_attempt_at = $2, \
                         locked_until = NULL WHERE id = $3",
                    )
                    .bind(DeliveryStatus::Pending.as_str())
                    .bind(now.0)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}

pub(crate) use impl_event_store;
