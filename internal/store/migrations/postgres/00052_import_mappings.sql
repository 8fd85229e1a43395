-- Saved import mappings (internal/importer, docs/decisions/0062-import-mappings.md):
-- a column header → field map kept by name per workspace and object, so
-- that the next file from the same system is mapped in one choice. The
-- name is unique per object case-insensitively: folded holds it folded
-- by the service, which a unique constraint can check on both databases.

-- +goose Up
CREATE TABLE import_mappings (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    id           BIGSERIAL PRIMARY KEY,
    object       TEXT NOT NULL,
    name         TEXT NOT NULL,
    folded       TEXT NOT NULL,
    mapping      TEXT NOT NULL, -- {"header": "field", …}
    version      INTEGER NOT NULL DEFAULT 1,
    created_by   BIGINT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, object, folded)
);

-- +goose Down
DROP TABLE import_mappings;
