-- Working together: who follows which record (to hear of its stage
-- changes, its outcome and its new notes), and whether each user wants
-- each kind of notification by mail as well as in the app. A user without
-- a row for a kind gets its mail, as before this table existed.

-- +goose Up
CREATE TABLE follows (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    user_id      INTEGER NOT NULL,
    record_type  TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id, record_type, record_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX follows_record ON follows (workspace_id, record_type, record_id);

CREATE TABLE notification_preferences (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    user_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    mail         INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id, kind),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE notification_preferences;
DROP TABLE follows;
