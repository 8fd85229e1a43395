-- Imports from spreadsheets (internal/importer): the log of each import,
-- with its counts and options; the records it created or updated, with the
-- values an update replaced, so that an undo removes exactly the first and
-- restores the second; the problems of its rows, for the error report; and
-- the external ids (the old system's keys) imported records carry, which
-- the next import of the same system matches on.

-- +goose Up
CREATE TABLE imports (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    object       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    options      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL CHECK (status IN ('running', 'committed', 'dry_run', 'refused', 'failed', 'undone')),
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
CREATE INDEX imports_recent ON imports (workspace_id, created_at, id);

CREATE TABLE import_records (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    import_id    INTEGER NOT NULL,
    object       TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('created', 'updated')),
    version      INTEGER NOT NULL,
    before       TEXT,
    PRIMARY KEY (workspace_id, import_id, object, record_id)
) WITHOUT ROWID;

CREATE TABLE import_errors (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    import_id    INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    row_number   INTEGER NOT NULL,
    column_name  TEXT NOT NULL,
    value        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    PRIMARY KEY (workspace_id, import_id, n)
) WITHOUT ROWID;

CREATE TABLE external_ids (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    import_id    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, object, external_id)
) WITHOUT ROWID;
CREATE INDEX external_ids_record ON external_ids (workspace_id, object, record_id);

-- +goose Down
DROP INDEX external_ids_record;
DROP TABLE external_ids;
DROP TABLE import_errors;
DROP TABLE import_records;
DROP INDEX imports_recent;
DROP TABLE imports;
