-- Access tokens are JWTs the server does not store; a whole population of them is revoked
-- at once by a cutoff: every token of the principal created at or before `revoked_before`
-- (ms) is dead. Set when a credential or an account is disabled or its password changes,
-- so that enabling it again brings none of them back (docs/security-checklist.md SEC-25).
-- `principal` is `client:<client_id>` or `user:<user_id>`.
-- PostgreSQL dialect; keep equivalent to ../sqlite/0004_token_cutoffs.sql.
CREATE TABLE token_cutoffs (
    principal       TEXT   PRIMARY KEY,
    revoked_before  BIGINT NOT NULL
);
