-- OAuth 2.0 Playground sessions (issue: Playground): what a developer's Playground holds
-- between requests, namely the client id, the client secret they typed, the state and
-- PKCE verifier of the flow under way, and the tokens it got. Kept server-side only, keyed
-- by the SHA-256 of the Playground cookie, sealed with AES-256-GCM under the master key
-- (the cookie hash is the associated data), and deleted when it expires.
-- SQLite dialect; keep equivalent to ../postgres/0006_playground.sql.
CREATE TABLE playground_sessions (
    hash        TEXT    NOT NULL PRIMARY KEY,
    sealed      BLOB    NOT NULL,
    expires_at  INTEGER  NOT NULL
);
CREATE INDEX playground_sessions_expires ON playground_sessions (expires_at);
