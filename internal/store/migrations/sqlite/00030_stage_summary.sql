-- A summary of each deal's stays, kept by the sales service in the
-- transaction that writes them, so that the funnel and the time in stage
-- read one row per deal or per stay instead of probing each deal's
-- history and each stay's deal: on the deal, the ids of the stages it was
-- ever in (increasing, comma-separated); on each stay, its length in days
-- once it ended and the deal's pipeline while the deal is not deleted.
-- The reports' indexes of deals created and of stays (by end and by
-- deal) carry them; those of deals created and closed also carry the
-- loss reason and (closed) the creation time that the funnel, the cycle
-- and revenue read. The first response to a deal (the report by
-- employee) is one seek in an index of activities by owner and record.
-- A database that carries planner statistics (sqlite_stat1, as the demo's
-- does) needs ANALYZE after this migration: without statistics for the
-- rebuilt indexes, the planner reads a salesperson's stays by period
-- instead of from their deals. The migration does not run it itself, as
-- statistics of a new install's empty tables mislead the planner later.

-- +goose Up
ALTER TABLE deal_stage_history ADD COLUMN days REAL;
ALTER TABLE deal_stage_history ADD COLUMN deal_pipeline_id INTEGER;
ALTER TABLE deals ADD COLUMN stages_passed TEXT;
UPDATE deal_stage_history SET days = julianday(left_at) - julianday(entered_at) WHERE left_at IS NOT NULL;
UPDATE deal_stage_history SET deal_pipeline_id = (SELECT d.pipeline_id FROM deals d
    WHERE d.workspace_id = deal_stage_history.workspace_id AND d.id = deal_stage_history.deal_id AND d.deleted_at IS NULL);
UPDATE deals SET stages_passed = (SELECT group_concat(stage_id, ',') FROM (SELECT DISTINCT h.stage_id FROM deal_stage_history h
    WHERE h.workspace_id = deals.workspace_id AND h.deal_id = deals.id ORDER BY h.stage_id));
DROP INDEX deals_report_created;
CREATE INDEX deals_report_created ON deals (workspace_id, created_at, pipeline_id, owner_id, status, stage_id, source, id, loss_reason_id, stages_passed) WHERE deleted_at IS NULL;
DROP INDEX deal_stage_history_left;
CREATE INDEX deal_stage_history_left ON deal_stage_history (workspace_id, left_at, pipeline_id, stage_id, deal_pipeline_id, deal_id, left_by, days);
DROP INDEX deal_stage_history_report;
CREATE INDEX deal_stage_history_report ON deal_stage_history (workspace_id, deal_id, pipeline_id, stage_id, left_at, left_by, days);
DROP INDEX deals_report_closed;
CREATE INDEX deals_report_closed ON deals (workspace_id, closed_at, status, pipeline_id, owner_id, source, value_currency, value_amount, company_id, id, created_at, loss_reason_id) WHERE deleted_at IS NULL AND status IN ('won', 'lost');
CREATE INDEX activities_report_response ON activities (workspace_id, owner_id, record_type, record_id, occurred_at) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX activities_report_response;
DROP INDEX deal_stage_history_report;
CREATE INDEX deal_stage_history_report ON deal_stage_history (workspace_id, deal_id, pipeline_id, stage_id);
DROP INDEX deals_report_closed;
CREATE INDEX deals_report_closed ON deals (workspace_id, closed_at, status, pipeline_id, owner_id, source, value_currency, value_amount, company_id, id) WHERE deleted_at IS NULL AND status IN ('won', 'lost');
DROP INDEX deal_stage_history_left;
CREATE INDEX deal_stage_history_left ON deal_stage_history (workspace_id, left_at, pipeline_id, stage_id, deal_id, entered_at, left_by);
DROP INDEX deals_report_created;
CREATE INDEX deals_report_created ON deals (workspace_id, created_at, pipeline_id, owner_id, status, stage_id, source, id) WHERE deleted_at IS NULL;
ALTER TABLE deals DROP COLUMN stages_passed;
ALTER TABLE deal_stage_history DROP COLUMN deal_pipeline_id;
ALTER TABLE deal_stage_history DROP COLUMN days;
