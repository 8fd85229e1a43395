-- Background jobs, the audit trail, and the positions of outbox consumers.

-- +goose Up

-- Jobs are tenant-owned when they act for a workspace; system jobs (outbox
-- consumers, retention) use workspace_id 0, so there is no foreign key to
-- workspaces. every_ms marks a recurring task: one row per kind that goes
-- back to queued after each run instead of to done.
CREATE TABLE jobs (
    workspace_id INTEGER NOT NULL,
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    every_ms     INTEGER,
    run_at       TEXT NOT NULL,
    locked_by    TEXT,
    locked_until TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id)
);
-- Workers claim across workspaces, oldest due first.
CREATE INDEX jobs_claim ON jobs (run_at, id) WHERE status = 'queued';
-- Expired locks of crashed workers are found through this one.
CREATE INDEX jobs_locked ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_status ON jobs (workspace_id, status, id);
CREATE UNIQUE INDEX jobs_recurring ON jobs (workspace_id, kind) WHERE every_ms IS NOT NULL;

-- The audit trail: record changes copied from the outbox, and events that
-- are not record changes (sign-ins, role changes, exports). Rows are only
-- ever inserted, and deleted by age by the retention job.
CREATE TABLE audit_log (
    workspace_id  INTEGER NOT NULL,
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor_id      INTEGER,
    actor_address TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    object        TEXT NOT NULL DEFAULT '',
    record_id     TEXT NOT NULL DEFAULT '',
    changes       TEXT NOT NULL DEFAULT '{}',
    event_id      INTEGER,
    UNIQUE (workspace_id, id)
);
-- Lists run newest first by (at, id), alone or filtered by one of these.
CREATE INDEX audit_log_at ON audit_log (workspace_id, at, id);
CREATE INDEX audit_log_record ON audit_log (workspace_id, object, record_id, at, id);
CREATE INDEX audit_log_actor ON audit_log (workspace_id, actor_id, at, id);
CREATE INDEX audit_log_action ON audit_log (workspace_id, action, at, id);

-- How far each outbox consumer has read; advanced in the same transaction
-- as the consumer's own writes.
CREATE TABLE outbox_positions (
    consumer   TEXT PRIMARY KEY,
    last_id    INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE outbox_positions;
DROP TABLE audit_log;
DROP TABLE jobs;
