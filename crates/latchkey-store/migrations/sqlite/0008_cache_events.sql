-- Cache invalidation events (ARCHITECTURE.md, "Caches"): every change to a row that a
-- node may hold in memory (credentials and their secrets and redirect URIs, users,
-- project APIs, the API catalog, revoked tokens, token cutoffs, grant revocations,
-- product roles) appends its key here, in the same transaction as the change, through
-- triggers, so no writer (a node, the CLI, a script) can forget. Each node reads the
-- events after the last one it saw every 250 ms (and at once on PostgreSQL's NOTIFY) and
-- drops what they name. Events older than a minute are pruned with the other expired rows.
-- SQLite dialect; keep equivalent to ../postgres/0008_cache_events.sql.
CREATE TABLE cache_events (
    seq  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    key  TEXT    NOT NULL,
    at   INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
);
-- Each poll also re-reads the last seconds' events (`at`): see crate::cache.
CREATE INDEX cache_events_at ON cache_events (at);

CREATE TRIGGER cache_credentials_u AFTER UPDATE ON credentials
BEGIN INSERT INTO cache_events (key) VALUES ('credential:' || OLD.client_id); END;
CREATE TRIGGER cache_credentials_d AFTER DELETE ON credentials
BEGIN INSERT INTO cache_events (key) VALUES ('credential:' || OLD.client_id); END;
CREATE TRIGGER cache_secrets_i AFTER INSERT ON client_secrets
BEGIN INSERT INTO cache_events (key) VALUES ('credential:' || NEW.client_id); END;
CREATE TRIGGER cache_secrets_u AFTER UPDATE ON client_secrets
BEGIN INSERT INTO cache_events (key) VALUES ('credential:' || OLD.client_id); END;
CREATE TRIGGER cache_secrets_d AFTER DELETE ON client_secrets
BEGIN INSERT INTO cache_events (key) VALUES ('credential:' || OLD.client_id); END;
CREATE TRIGGER cache_redirects_i AFTER INSERT ON credential_redirect_uris
BEGIN INSERT INTO cache_events (key) VALUES ('credential:' || NEW.client_id); END;
CREATE TRIGGER cache_redirects_d AFTER DELETE ON credential_redirect_uris
BEGIN INSERT INTO cache_events (key) VALUES ('credential:' || OLD.client_id); END;
CREATE TRIGGER cache_users_u AFTER UPDATE ON users
BEGIN INSERT INTO cache_events (key) VALUES ('user:' || OLD.id); END;
CREATE TRIGGER cache_project_apis_i AFTER INSERT ON project_apis
BEGIN INSERT INTO cache_events (key) VALUES ('project:' || NEW.project_id); END;
CREATE TRIGGER cache_project_apis_d AFTER DELETE ON project_apis
BEGIN INSERT INTO cache_events (key) VALUES ('project:' || OLD.project_id); END;
CREATE TRIGGER cache_apis_u AFTER UPDATE ON apis
BEGIN INSERT INTO cache_events (key) VALUES ('apis'); END;
CREATE TRIGGER cache_apis_d AFTER DELETE ON apis
BEGIN INSERT INTO cache_events (key) VALUES ('apis'); END;
CREATE TRIGGER cache_api_scopes_i AFTER INSERT ON api_scopes
BEGIN INSERT INTO cache_events (key) VALUES ('apis'); END;
CREATE TRIGGER cache_api_scopes_d AFTER DELETE ON api_scopes
BEGIN INSERT INTO cache_events (key) VALUES ('apis'); END;
CREATE TRIGGER cache_api_metascopes_i AFTER INSERT ON api_metascopes
BEGIN INSERT INTO cache_events (key) VALUES ('apis'); END;
CREATE TRIGGER cache_api_metascopes_d AFTER DELETE ON api_metascopes
BEGIN INSERT INTO cache_events (key) VALUES ('apis'); END;
CREATE TRIGGER cache_revoked_i AFTER INSERT ON revoked_tokens
BEGIN INSERT INTO cache_events (key) VALUES ('jti:' || NEW.expires_at || ':' || NEW.jti); END;
CREATE TRIGGER cache_cutoffs_i AFTER INSERT ON token_cutoffs
BEGIN INSERT INTO cache_events (key) VALUES ('cutoff'); END;
CREATE TRIGGER cache_cutoffs_u AFTER UPDATE ON token_cutoffs
BEGIN INSERT INTO cache_events (key) VALUES ('cutoff'); END;
CREATE TRIGGER cache_grants_u AFTER UPDATE OF revoked_at ON grants
WHEN OLD.revoked_at IS NOT NEW.revoked_at
BEGIN INSERT INTO cache_events (key) VALUES ('grant:' || OLD.id); END;
CREATE TRIGGER cache_grants_d AFTER DELETE ON grants
BEGIN INSERT INTO cache_events (key) VALUES ('grant:' || OLD.id); END;
CREATE TRIGGER cache_profile_members_i AFTER INSERT ON profile_members
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_profile_members_u AFTER UPDATE ON profile_members
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_profile_members_d AFTER DELETE ON profile_members
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_product_users_i AFTER INSERT ON product_users
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_product_users_d AFTER DELETE ON product_users
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_product_instances_u AFTER UPDATE ON product_instances
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_product_instances_d AFTER DELETE ON product_instances
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_product_profiles_u AFTER UPDATE ON product_profiles
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
CREATE TRIGGER cache_product_profiles_d AFTER DELETE ON product_profiles
BEGIN INSERT INTO cache_events (key) VALUES ('roles'); END;
