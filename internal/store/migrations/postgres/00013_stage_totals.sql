-- The count and value of each stage's open deals, per currency, kept by
-- the sales service's deal hook in every deal write's transaction, so that
-- a board seen by someone who may read every deal does not count a
-- stage's deals one by one. Boards limited to some owners still count.

-- +goose Up
CREATE TABLE stage_totals (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    stage_id     BIGINT NOT NULL,
    currency     TEXT NOT NULL DEFAULT '',
    deals        BIGINT NOT NULL DEFAULT 0,
    amount       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, stage_id, currency)
);
INSERT INTO stage_totals (workspace_id, stage_id, currency, deals, amount)
SELECT workspace_id, stage_id, COALESCE(value_currency, ''), count(*), COALESCE(SUM(value_amount), 0)
FROM deals WHERE status = 'open' AND deleted_at IS NULL AND stage_id IS NOT NULL
GROUP BY workspace_id, stage_id, COALESCE(value_currency, '');

-- +goose Down
DROP TABLE stage_totals;
