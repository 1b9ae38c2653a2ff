-- I/O Events: projects' webhook subscriptions and the durable delivery queue. Deliveries
-- are inserted with the audit entry of their event (the outbox), in the change's own
-- transaction; a node holds a delivery while `locked_until` is in the future.
-- SQLite dialect; keep equivalent to ../postgres/0011_io_events.sql.
CREATE TABLE event_subscriptions (
    id           TEXT    NOT NULL PRIMARY KEY,
    org_id       TEXT    NOT NULL REFERENCES orgs (id),
    project_id   TEXT    NOT NULL REFERENCES projects (id),
    url          TEXT    NOT NULL,
    -- JSON array of event types, e.g. ["credential.created","user.disabled"].
    event_types  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX event_subscriptions_org ON event_subscriptions (org_id);
CREATE INDEX event_subscriptions_project ON event_subscriptions (project_id);

CREATE TABLE event_deliveries (
    -- `<event id>.<subscription id>`: stable across retries, for de-duplication.
    id               TEXT    NOT NULL PRIMARY KEY,
    subscription_id  TEXT    NOT NULL REFERENCES event_subscriptions (id) ON DELETE CASCADE,
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    locked_until     INTEGER,
    last_attempt_at  INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    delivered_at     INTEGER
);
CREATE INDEX event_deliveries_due ON event_deliveries (status, next_attempt_at);
CREATE INDEX event_deliveries_subscription ON event_deliveries (subscription_id, created_at);
