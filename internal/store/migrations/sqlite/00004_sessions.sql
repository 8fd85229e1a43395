-- Sign-in: server-side sessions, password-reset links, and the state of a
-- user's TOTP enrolment. Sessions and reset links keep only a SHA-256 hash
-- of their secret, like API tokens, so a copy of the database opens no
-- account.

-- +goose Up
CREATE TABLE sessions (
    workspace_id INTEGER NOT NULL,
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    hash         TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, hash),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (workspace_id, user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE password_resets (
    workspace_id INTEGER NOT NULL,
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, hash),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX password_resets_user ON password_resets (workspace_id, user_id);
CREATE INDEX password_resets_expires ON password_resets (expires_at);

-- totp_secret (from 00002) holds the confirmed secret; an enrolment waits
-- in totp_pending until the user proves it with a code. totp_last_step is
-- the time step of the last code accepted, so a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE INDEX api_tokens_user ON api_tokens (workspace_id, user_id);

-- +goose Down
DROP INDEX api_tokens_user;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_pending;
DROP TABLE password_resets;
DROP TABLE sessions;
