-- The blocking keys of duplicate detection: per contact and company its
-- e-mails, phones, and name-word prefixes at each of its companies and at
-- its address (internal/duplicate). Records sharing a key
-- are the only pairs compared, so a workspace scan reads this index
-- instead of comparing every record with every other. duplicate_profiles
-- holds each record in the matcher's normalised form, with its owner for
-- the permission check, so that scoring the candidates reads one narrow
-- row each instead of the record and its links.

-- +goose Up
CREATE TABLE duplicate_keys (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    key          TEXT NOT NULL,
    record_id    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, object, key, record_id)
);
CREATE INDEX duplicate_keys_record ON duplicate_keys (workspace_id, object, record_id);

CREATE TABLE duplicate_profiles (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    record_id    BIGINT NOT NULL,
    owner_id     BIGINT,
    profile      TEXT NOT NULL,
    PRIMARY KEY (workspace_id, object, record_id)
);

-- +goose Down
DROP TABLE duplicate_profiles;
DROP TABLE duplicate_keys;
