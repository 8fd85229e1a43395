-- The contacts erased at a person's request (docs/decisions/0044-erasure.md):
-- who and when, never what. The duplicate keys and the search index leave
-- an erased contact out, and a restore of a backup taken before the
-- erasure erases these ids again (erasure.Reapply).

-- +goose Up
CREATE TABLE erasures (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    contact_id   BIGINT NOT NULL,
    erased_at    TIMESTAMPTZ NOT NULL,
    erased_by    BIGINT,
    PRIMARY KEY (workspace_id, contact_id)
);

-- +goose Down
DROP TABLE erasures;
