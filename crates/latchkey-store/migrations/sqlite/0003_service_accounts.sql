-- Service accounts (JWT assertions), products, product instances and product profiles.
-- SQLite dialect; keep equivalent to ../postgres/0003_service_accounts.sql.

-- Assertion `jti`s already used, per client, kept until the assertion's `exp` (RFC 7523
-- §3 replay protection; REL-05: durable across restarts).
CREATE TABLE assertion_jtis (
    client_id   TEXT    NOT NULL,
    jti         TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX assertion_jtis_expires ON assertion_jtis (expires_at);

-- A certificate's notAfter, or the earlier time an admin expired the key at.
ALTER TABLE credential_certificates ADD COLUMN expires_at INTEGER;

-- May the org's `developer`s create and change credentials? (system admins always may)
ALTER TABLE orgs ADD COLUMN developers_manage_credentials INTEGER NOT NULL DEFAULT 1;

CREATE TABLE products (
    name        TEXT    NOT NULL PRIMARY KEY,
    created_at  INTEGER NOT NULL
);

CREATE TABLE product_instances (
    id          TEXT    NOT NULL PRIMARY KEY,
    org_id      TEXT    NOT NULL REFERENCES orgs (id),
    product     TEXT    NOT NULL REFERENCES products (name),
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (org_id, product, name)
);

CREATE TABLE product_profiles (
    id           TEXT    NOT NULL PRIMARY KEY,
    instance_id  TEXT    NOT NULL REFERENCES product_instances (id),
    name         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (instance_id, name)
);

-- Users of an instance (role `contributor` unless they administer one of its profiles).
CREATE TABLE product_users (
    instance_id  TEXT    NOT NULL REFERENCES product_instances (id),
    user_id      TEXT    NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (instance_id, user_id)
);
CREATE INDEX product_users_user ON product_users (user_id);

CREATE TABLE profile_members (
    profile_id  TEXT    NOT NULL REFERENCES product_profiles (id),
    user_id     TEXT    NOT NULL REFERENCES users (id),
    is_admin    INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (profile_id, user_id)
);
CREATE INDEX profile_members_user ON profile_members (user_id);
