-- The names and UIDs that CardDAV and CalDAV programs gave the records
-- they created (docs/decisions/0048-dav.md). A program keeps its copy of
-- a record under the path it chose and knows it by the vCard's or
-- event's UID; a record made in Rapport has neither row nor choice and
-- is served as <id>.vcf with a UID made from its id.

-- +goose Up
CREATE TABLE dav_names (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    record_id    BIGINT NOT NULL,
    name         TEXT NOT NULL,
    uid          TEXT NOT NULL,
    PRIMARY KEY (workspace_id, object, record_id)
);
CREATE UNIQUE INDEX dav_names_name ON dav_names (workspace_id, object, name);

-- +goose Down
DROP TABLE dav_names;
