-- The audit log: one row per security-relevant event, inserted in the transaction of the
-- change it records. `details` is a JSON object; never a password or a secret.
-- SQLite dialect; keep equivalent to ../postgres/0010_audit_events.sql.
CREATE TABLE audit_events (
    seq      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id       TEXT    NOT NULL UNIQUE,
    at       INTEGER NOT NULL,
    org_id   TEXT,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    target   TEXT    NOT NULL,
    address  TEXT,
    details  TEXT    NOT NULL
);
CREATE INDEX audit_events_org_at ON audit_events (org_id, at);
CREATE INDEX audit_events_at ON audit_events (at);
