-- When each client secret last authenticated its client (the Developer Console's "last
-- used" column; docs/console-contract.md §3 (3.7, secret_usages)). Written at most once
-- every five minutes per secret (`flows::client::SECRET_USE_GRANULARITY_SECS`), so the
-- token endpoint's hot path almost never writes.
-- SQLite dialect; keep equivalent to ../postgres/0007_secret_last_used.sql.
ALTER TABLE client_secrets ADD COLUMN last_used_at INTEGER;
