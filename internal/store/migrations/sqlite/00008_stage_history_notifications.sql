-- Stage history: one row per stay of a deal in a stage, so that time in
-- stage and the length of the sales cycle can be computed. Notifications:
-- what each user is told in the app (and by mail), deduplicated by key.

-- +goose Up
CREATE TABLE deal_stage_history (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    deal_id      INTEGER NOT NULL,
    pipeline_id  INTEGER NOT NULL,
    stage_id     INTEGER NOT NULL,
    entered_at   TEXT NOT NULL,
    left_at      TEXT,
    entered_by   INTEGER,
    left_by      INTEGER,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history (workspace_id, deal_id, entered_at);
CREATE INDEX deal_stage_history_stage ON deal_stage_history (workspace_id, stage_id, entered_at);

CREATE TABLE notifications (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    record_type  TEXT,
    record_id    TEXT,
    key          TEXT,
    created_at   TEXT NOT NULL,
    read_at      TEXT,
    mailed_at    TEXT,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX notifications_user ON notifications (workspace_id, user_id, id);
CREATE UNIQUE INDEX notifications_key ON notifications (workspace_id, user_id, key) WHERE key IS NOT NULL;

-- +goose Down
DROP TABLE notifications;
DROP TABLE deal_stage_history;
