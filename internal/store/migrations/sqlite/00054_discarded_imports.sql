-- An interrupted import keeps its file so that it can be resumed, or be
-- discarded, which removes the file (decision 0067): one more status.
-- SQLite cannot change a CHECK constraint in place, so the table is built
-- again; nothing refers to it by a foreign key.

-- +goose Up
CREATE TABLE imports_next (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    object       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    options      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL CHECK (status IN ('running', 'committed', 'dry_run', 'refused', 'failed', 'undone', 'cancelled', 'interrupted', 'discarded')),
    error        TEXT,
    rows_read    INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    undone_at    TEXT,
    undone_by    INTEGER,
    UNIQUE (workspace_id, id)
);
INSERT INTO imports_next SELECT workspace_id, id, user_id, object, file_name, options, status, error, rows_read, created, updated,
    skipped, failed, created_at, undone_at, undone_by FROM imports;
DROP INDEX imports_recent;
DROP TABLE imports;
ALTER TABLE imports_next RENAME TO imports;
CREATE INDEX imports_recent ON imports (workspace_id, created_at, id);

-- +goose Down
UPDATE imports SET status = 'interrupted' WHERE status = 'discarded';
CREATE TABLE imports_prev (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    object       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    options      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL CHECK (status IN ('running', 'committed', 'dry_run', 'refused', 'failed', 'undone', 'cancelled', 'interrupted')),
    error        TEXT,
    rows_read    INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    undone_at    TEXT,
    undone_by    INTEGER,
    UNIQUE (workspace_id, id)
);
INSERT INTO imports_prev SELECT * FROM imports;
DROP INDEX imports_recent;
DROP TABLE imports;
ALTER TABLE imports_prev RENAME TO imports;
CREATE INDEX imports_recent ON imports (workspace_id, created_at, id);
