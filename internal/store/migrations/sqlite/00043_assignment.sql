-- Assignment rules (internal/assign, docs/decisions/0051-assignment-rules.md):
-- one ordered document of rules per workspace, with the fallback user and
-- the users' days off, and the round-robin turn of each rule. A turn row
-- is taken by an upsert in the transaction of the assignment, so two
-- requests at once are served one after the other and never get the same
-- member from the same turn.

-- +goose Up
CREATE TABLE assignment_settings (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    document     TEXT NOT NULL DEFAULT '{}',
    version      INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id)
);

CREATE TABLE assignment_turns (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    rule_id      TEXT NOT NULL,
    last_user_id INTEGER,
    turns        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, rule_id)
);

-- +goose Down
DROP TABLE assignment_turns;
DROP TABLE assignment_settings;
