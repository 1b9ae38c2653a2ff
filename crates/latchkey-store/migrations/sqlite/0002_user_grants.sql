-- Consent grants, what they issue (authorization codes, refresh tokens), and browser
-- sessions. SQLite dialect; keep equivalent to ../postgres/0002_user_grants.sql.
-- Codes, refresh tokens and sessions are stored by the hash of their random value only.
-- `scopes` columns hold a JSON array of scope names in the order granted.

CREATE TABLE grants (
    id            TEXT    NOT NULL PRIMARY KEY,
    user_id       TEXT    NOT NULL REFERENCES users (id),
    client_id     TEXT    NOT NULL REFERENCES credentials (client_id) ON DELETE CASCADE,
    scopes        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
-- At most one active grant per user and client. Revoked grants stay, never revived.
CREATE UNIQUE INDEX grants_active ON grants (user_id, client_id) WHERE revoked_at IS NULL;
CREATE INDEX grants_user ON grants (user_id, created_at);
CREATE INDEX grants_client ON grants (client_id);

CREATE TABLE auth_codes (
    hash            TEXT    NOT NULL PRIMARY KEY,
    grant_id        TEXT    NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_id       TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    redirect_uri    TEXT,
    scopes          TEXT    NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT,
    auth_time       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed_at     INTEGER
);
CREATE INDEX auth_codes_grant ON auth_codes (grant_id);
CREATE INDEX auth_codes_user ON auth_codes (user_id);
CREATE INDEX auth_codes_expires ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
    hash        TEXT    NOT NULL PRIMARY KEY,
    grant_id    TEXT    NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_id   TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,
    auth_time   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    -- Set when rotated: presenting it again is reuse.
    used_at     INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE sessions (
    hash        TEXT    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (id),
    auth_time   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
