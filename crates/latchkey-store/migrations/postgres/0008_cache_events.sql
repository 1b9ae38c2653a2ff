-- Cache invalidation events (ARCHITECTURE.md, "Caches"): every change to a row that a
-- node may hold in memory (credentials and their secrets and redirect URIs, users,
-- project APIs, the API catalog, revoked tokens, token cutoffs, grant revocations,
-- product roles) appends its key here, in the same transaction as the change, through
-- triggers, so no writer (a node, the CLI, a script) can forget; the trigger also
-- NOTIFYs `latchkey_cache`, so listening nodes drop the entry at once. Each node also
-- reads the events after the last one it saw every 250 ms, which covers a dropped
-- listener connection. Events older than a minute are pruned with the other expired rows.
-- PostgreSQL dialect; keep equivalent to ../sqlite/0008_cache_events.sql.
CREATE TABLE cache_events (
    seq  BIGSERIAL PRIMARY KEY,
    key  TEXT    NOT NULL,
    at   BIGINT  NOT NULL DEFAULT (extract(epoch FROM now())::bigint)
);
-- Each poll also re-reads the last seconds' events (`at`): see crate::cache.
CREATE INDEX cache_events_at ON cache_events (at);

-- TG_ARGV[0]: the key's kind; TG_ARGV[1] and [2], when given: the columns naming the
-- object (`jti:<expires_at>:<jti>` for a revocation, so nodes know when to forget it).
CREATE FUNCTION latchkey_cache_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    k text;
BEGIN
    IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
    k := TG_ARGV[0];
    IF TG_NARGS > 1 THEN k := k || ':' || (r ->> TG_ARGV[1]); END IF;
    IF TG_NARGS > 2 THEN k := k || ':' || (r ->> TG_ARGV[2]); END IF;
    INSERT INTO cache_events (key) VALUES (k);
    PERFORM pg_notify('latchkey_cache', k);
    RETURN NULL;
END
$$;

CREATE TRIGGER cache_credentials AFTER UPDATE OR DELETE ON credentials
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('credential', 'client_id');
CREATE TRIGGER cache_secrets AFTER INSERT OR UPDATE OR DELETE ON client_secrets
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('credential', 'client_id');
CREATE TRIGGER cache_redirects AFTER INSERT OR DELETE ON credential_redirect_uris
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('credential', 'client_id');
CREATE TRIGGER cache_users AFTER UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('user', 'id');
CREATE TRIGGER cache_project_apis AFTER INSERT OR DELETE ON project_apis
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('project', 'project_id');
CREATE TRIGGER cache_apis AFTER UPDATE OR DELETE ON apis
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('apis');
CREATE TRIGGER cache_api_scopes AFTER INSERT OR DELETE ON api_scopes
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('apis');
CREATE TRIGGER cache_api_metascopes AFTER INSERT OR DELETE ON api_metascopes
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('apis');
CREATE TRIGGER cache_revoked AFTER INSERT ON revoked_tokens
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('jti', 'expires_at', 'jti');
CREATE TRIGGER cache_cutoffs AFTER INSERT OR UPDATE ON token_cutoffs
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('cutoff');
CREATE TRIGGER cache_grants_u AFTER UPDATE OF revoked_at ON grants
    FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
    EXECUTE FUNCTION latchkey_cache_event('grant', 'id');
CREATE TRIGGER cache_grants_d AFTER DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('grant', 'id');
CREATE TRIGGER cache_profile_members AFTER INSERT OR UPDATE OR DELETE ON profile_members
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('roles');
CREATE TRIGGER cache_product_users AFTER INSERT OR DELETE ON product_users
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('roles');
CREATE TRIGGER cache_product_instances AFTER UPDATE OR DELETE ON product_instances
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('roles');
CREATE TRIGGER cache_product_profiles AFTER UPDATE OR DELETE ON product_profiles
    FOR EACH ROW EXECUTE FUNCTION latchkey_cache_event('roles');
