-- Invitations of the Admin Console: a one-time link for a new member to set a password.
-- Only the SHA-256 of the link's token is stored; `used_at` makes it single-use.
-- SQLite dialect; keep equivalent to ../postgres/0009_invitations.sql.
CREATE TABLE invitations (
    hash        TEXT    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (id),
    org_id      TEXT    NOT NULL REFERENCES orgs (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX invitations_user ON invitations (user_id);

-- The Admin Console's user search reads an org's members.
CREATE INDEX org_members_org_role ON org_members (org_id, role);
