-- Forecasts: a forecast category per stage (pipeline, best case, commit,
-- closed, omitted) that a manager may override on a deal, and a deal's own
-- win probability that weighs it instead of its stage's. Two covering
-- indexes let the forecast sum a workspace's open deals by expected close
-- month and its won deals by close day without reading the deals.

-- +goose Up
ALTER TABLE stages ADD COLUMN forecast_category TEXT;
ALTER TABLE deals ADD COLUMN probability INTEGER;
ALTER TABLE deals ADD COLUMN forecast_category TEXT;
-- (SQLite counts an index as covering only when it holds every column the
-- query names, deleted_at included, though the index's condition settles it.)
CREATE INDEX deals_forecast_open ON deals (workspace_id, status, expected_close_date, pipeline_id, owner_id, stage_id,
    forecast_category, probability, value_currency, value_amount, deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX deals_forecast_won ON deals (workspace_id, status, closed_at, pipeline_id, owner_id, value_currency, value_amount,
    deleted_at) WHERE deleted_at IS NULL;
-- The lists of deals sort and filter by the two new fields.
CREATE INDEX deals_by_probability ON deals (workspace_id, probability, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_forecast_category ON deals (workspace_id, rapport_fold(forecast_category), id) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX deals_by_forecast_category;
DROP INDEX deals_by_probability;
DROP INDEX deals_forecast_won;
DROP INDEX deals_forecast_open;
ALTER TABLE deals DROP COLUMN forecast_category;
ALTER TABLE deals DROP COLUMN probability;
ALTER TABLE stages DROP COLUMN forecast_category;
