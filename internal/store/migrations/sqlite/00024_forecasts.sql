-- Forecasts: a forecast category per stage (pipeline, best case, commit,
-- closed, omitted) that a manager may override on a deal, and a deal's own
-- win probability that weighs it instead of its stage's. A covering index
-- lets the forecast sum a workspace's won deals by close day without
-- reading the deals.

-- +goose Up
ALTER TABLE stages ADD COLUMN forecast_category TEXT;
ALTER TABLE deals ADD COLUMN probability INTEGER;
ALTER TABLE deals ADD COLUMN forecast_category TEXT;
-- (SQLite counts an index as covering only when it holds every column the
-- query names, deleted_at included, though the index's condition settles it.)
CREATE INDEX deals_forecast_won ON deals (workspace_id, status, closed_at, pipeline_id, owner_id, value_currency, value_amount,
    deleted_at) WHERE deleted_at IS NULL;
-- What the open deals add up to per owner, pipeline, stage, expected close
-- month, own category, whether they carry their own probability, and
-- currency, kept by the sales service's deal hook in every deal write's
-- transaction (as stage_totals is), so that a forecast reads a few
-- thousand sums rather than every open deal.
CREATE TABLE forecast_totals (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    owner_id     INTEGER NOT NULL DEFAULT 0,
    pipeline_id  INTEGER NOT NULL DEFAULT 0,
    stage_id     INTEGER NOT NULL DEFAULT 0,
    month        TEXT NOT NULL DEFAULT '',
    category     TEXT NOT NULL DEFAULT '',
    own          INTEGER NOT NULL DEFAULT 0,
    currency     TEXT NOT NULL DEFAULT '',
    deals        INTEGER NOT NULL DEFAULT 0,
    amount       INTEGER NOT NULL DEFAULT 0,
    weighted     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, owner_id, pipeline_id, stage_id, month, category, own, currency)
);
INSERT INTO forecast_totals (workspace_id, owner_id, pipeline_id, stage_id, month, category, own, currency, deals, amount, weighted)
SELECT workspace_id, COALESCE(owner_id, 0), COALESCE(pipeline_id, 0), COALESCE(stage_id, 0), COALESCE(substr(expected_close_date, 1, 7), ''),
    COALESCE(forecast_category, ''), CASE WHEN probability IS NULL THEN 0 ELSE 1 END, COALESCE(value_currency, ''),
    count(*), COALESCE(SUM(value_amount), 0), COALESCE(SUM(value_amount * COALESCE(probability, 0)), 0)
FROM deals WHERE status = 'open' AND deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

-- The lists of deals sort and filter by the two new fields.
CREATE INDEX deals_by_probability ON deals (workspace_id, probability, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_forecast_category ON deals (workspace_id, rapport_fold(forecast_category), id) WHERE deleted_at IS NULL;

-- +goose Down
DROP TABLE forecast_totals;
DROP INDEX deals_by_forecast_category;
DROP INDEX deals_by_probability;
DROP INDEX deals_forecast_won;
ALTER TABLE deals DROP COLUMN forecast_category;
ALTER TABLE deals DROP COLUMN probability;
ALTER TABLE stages DROP COLUMN forecast_category;
