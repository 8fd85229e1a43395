-- Teams, the rest of a user's profile, and roles. Roles hold their grants as
-- JSON: per object an action -> scope map, and per object a field -> rule
-- map (hidden or read_only).

-- +goose Up
CREATE TABLE teams (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    manager_id   INTEGER,
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, name)
);

ALTER TABLE users ADD COLUMN team_id INTEGER;
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
CREATE INDEX users_team ON users (workspace_id, team_id);

CREATE TABLE roles (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    label        TEXT NOT NULL,
    builtin      INTEGER NOT NULL DEFAULT 0,
    grants       TEXT NOT NULL DEFAULT '{}',
    fields       TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

-- +goose Down
DROP TABLE roles;
DROP INDEX users_team;
ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN time_zone;
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN team_id;
DROP TABLE teams;
