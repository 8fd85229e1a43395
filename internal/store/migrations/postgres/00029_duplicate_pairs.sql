-- Duplicates kept incrementally by the probabilistic matcher
-- (internal/linkage, docs/decisions/0034-duplicate-pairs-and-review.md).
-- duplicate_profiles now holds the record as the matcher reads it (JSON),
-- so the rows of the rule matcher are dropped here and rebuilt by the duplicate
-- service's maintenance job (duplicate_state.profiles_version).
-- duplicate_pairs: every pair scored at or above the workspace's review
-- threshold, lower id first, with its probability and each field's
-- contribution. duplicate_groups: the connected components of pairs at or
-- above the duplicate threshold, minus pairs decided "different", keyed by
-- their lowest record id for keyset paging, with each member's owner for
-- the permission check. duplicate_decisions: what an administrator said of
-- a pair, never asked again and fed to the model's estimate.
-- duplicate_models: the estimated model per workspace and object.
-- duplicate_settings: thresholds and identifying fields per object.

-- +goose Up
-- Dropped and made again rather than emptied: a million records' keys
-- go at once.
DROP TABLE duplicate_keys;
DROP TABLE duplicate_profiles;
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

CREATE TABLE duplicate_pairs (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    a_id         BIGINT NOT NULL,
    b_id         BIGINT NOT NULL,
    probability  DOUBLE PRECISION NOT NULL,
    weight       DOUBLE PRECISION NOT NULL,
    contributions TEXT NOT NULL,
    scored_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, object, a_id, b_id)
);
CREATE INDEX duplicate_pairs_b ON duplicate_pairs (workspace_id, object, b_id);
CREATE INDEX duplicate_pairs_probability ON duplicate_pairs (workspace_id, object, probability, a_id, b_id);

CREATE TABLE duplicate_groups (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    group_id     BIGINT NOT NULL,
    record_id    BIGINT NOT NULL,
    owner_id     BIGINT,
    PRIMARY KEY (workspace_id, object, group_id, record_id)
);
CREATE UNIQUE INDEX duplicate_groups_record ON duplicate_groups (workspace_id, object, record_id);

CREATE TABLE duplicate_decisions (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    a_id         BIGINT NOT NULL,
    b_id         BIGINT NOT NULL,
    same         BOOLEAN NOT NULL,
    decided_by   BIGINT,
    decided_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, object, a_id, b_id)
);

CREATE TABLE duplicate_models (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    model        TEXT NOT NULL,
    records      BIGINT NOT NULL,
    decisions    INTEGER NOT NULL,
    estimated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, object)
);

CREATE TABLE duplicate_settings (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    review_threshold    DOUBLE PRECISION NOT NULL,
    duplicate_threshold DOUBLE PRECISION NOT NULL,
    identifying  TEXT NOT NULL,
    PRIMARY KEY (workspace_id, object)
);

CREATE TABLE duplicate_state (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL,
    profiles_version INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, object)
);

-- +goose Down
DROP TABLE duplicate_state;
DROP TABLE duplicate_settings;
DROP TABLE duplicate_models;
DROP TABLE duplicate_decisions;
DROP TABLE duplicate_groups;
DROP TABLE duplicate_pairs;
