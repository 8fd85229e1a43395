-- The dashboard's churn rate, kept (docs/decisions/0036-churn-rate-kept.md):
-- the scores' training counts, as of its run, each owner's customers of a
-- whole window and how many of them churned, per object; the dashboard
-- sums the rows of the owners its viewer may read.

-- +goose Up
-- When a workspace's counts were last made: one row per workspace, its
-- absence meaning never (the tile says so rather than show 0).
CREATE TABLE churn_snapshots (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    as_of        TIMESTAMPTZ NOT NULL,
    window_days  INTEGER NOT NULL,
    PRIMARY KEY (workspace_id)
);

-- The counts per object and owner (0: no owner), as of the snapshot.
CREATE TABLE churn_counts (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object       TEXT NOT NULL CHECK (object IN ('contact', 'company')),
    owner_id     BIGINT NOT NULL,
    customers    BIGINT NOT NULL,
    churned      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, object, owner_id)
);

-- +goose Down
DROP TABLE churn_counts;
DROP TABLE churn_snapshots;
