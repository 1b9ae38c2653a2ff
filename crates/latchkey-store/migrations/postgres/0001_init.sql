-- Latchkey schema, PostgreSQL dialect. Keep equivalent to ../sqlite/0001_init.sql.
-- Timestamps are BIGINT milliseconds since the Unix epoch; enums are stored as their
-- `as_str()` text. `position` columns keep caller order; `seq` columns keep insertion order.

CREATE TABLE orgs (
    id          TEXT   NOT NULL PRIMARY KEY,
    name        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    email          TEXT    NOT NULL,
    -- Lower-cased by the application (Unicode-aware, identical for both backends).
    email_lower    TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL,
    password_hash  TEXT,
    given_name     TEXT,
    family_name    TEXT,
    country        TEXT,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT  NOT NULL
);

CREATE TABLE org_members (
    org_id   TEXT NOT NULL REFERENCES orgs (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    role     TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members (user_id);

CREATE TABLE projects (
    id          TEXT   NOT NULL PRIMARY KEY,
    org_id      TEXT   NOT NULL REFERENCES orgs (id),
    name        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX projects_org ON projects (org_id);

CREATE TABLE apis (
    id           TEXT   NOT NULL PRIMARY KEY,
    -- Catalog order: assigned on first insert, kept on replace.
    seq          BIGINT NOT NULL,
    name         TEXT   NOT NULL,
    product      TEXT,
    description  TEXT   NOT NULL,
    -- JSON array of auth kinds, e.g. ["oauth_user","server_to_server"].
    auth         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
        DEFAULT (floor(extract(epoch FROM clock_timestamp()) * 1000))::BIGINT
);

CREATE TABLE api_scopes (
    api_id       TEXT    NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    PRIMARY KEY (api_id, position),
    UNIQUE (api_id, name)
);

CREATE TABLE api_metascopes (
    api_id    TEXT    NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    PRIMARY KEY (api_id, position),
    UNIQUE (api_id, name)
);

CREATE TABLE project_apis (
    project_id  TEXT NOT NULL REFERENCES projects (id),
    api_id      TEXT NOT NULL REFERENCES apis (id),
    PRIMARY KEY (project_id, api_id)
);

CREATE TABLE credentials (
    client_id             TEXT    NOT NULL PRIMARY KEY,
    org_id                TEXT    NOT NULL REFERENCES orgs (id),
    project_id            TEXT    NOT NULL REFERENCES projects (id),
    kind                  TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    technical_account_id  TEXT    REFERENCES users (id),
    disabled              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            BIGINT  NOT NULL
);
CREATE INDEX credentials_project ON credentials (project_id);

CREATE TABLE credential_redirect_uris (
    client_id  TEXT    NOT NULL REFERENCES credentials (client_id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    uri        TEXT    NOT NULL,
    PRIMARY KEY (client_id, position)
);

CREATE TABLE client_secrets (
    -- Insertion order: "oldest" secret means first added, whatever the node clocks said.
    seq          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT    NOT NULL,
    client_id    TEXT    NOT NULL REFERENCES credentials (client_id) ON DELETE CASCADE,
    -- SHA-256 of the secret; the secret itself is never stored.
    secret_hash  BYTEA   NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_at   BIGINT  NOT NULL,
    revoked_at   BIGINT,
    UNIQUE (client_id, id)
);

CREATE TABLE credential_certificates (
    client_id   TEXT   NOT NULL REFERENCES credentials (client_id) ON DELETE CASCADE,
    id          TEXT   NOT NULL,
    pem         TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, id)
);

CREATE TABLE signing_keys (
    kid             TEXT   NOT NULL PRIMARY KEY,
    alg             TEXT   NOT NULL,
    -- AES-256-GCM sealed PKCS#8 (see latchkey-core keys.rs).
    private_sealed  BYTEA  NOT NULL,
    public_jwk      TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    activate_at     BIGINT NOT NULL,
    retire_at       BIGINT,
    expire_at       BIGINT
);

CREATE TABLE revoked_tokens (
    jti         TEXT   NOT NULL PRIMARY KEY,
    client_id   TEXT   NOT NULL,
    revoked_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);
