-- Each deal's first response, kept on the deal by the sales service in
-- the transaction of every write that can change it: the time of the
-- owner's earliest live activity about the deal from its creation on.
-- The report by employee averages it per owner; reading it from the
-- reports' index of deals created replaces a seek into the activities per
-- deal (234,000 seeks for a year of the million-contact demo).
-- Each stay also carries its deal's source (deal_source, kept with
-- deal_pipeline_id), so that the time in stage and the report by employee
-- filtered by source read the stays alone instead of each one's deal.

-- +goose Up
ALTER TABLE deals ADD COLUMN first_response_at TIMESTAMPTZ;
UPDATE deals SET first_response_at = (SELECT min(a.occurred_at) FROM activities a
    WHERE a.workspace_id = deals.workspace_id AND a.owner_id = deals.owner_id AND a.record_type = 'deal'
    AND a.record_id = CAST(deals.id AS TEXT) AND a.occurred_at >= deals.created_at AND a.deleted_at IS NULL)
WHERE owner_id IS NOT NULL;
DROP INDEX deals_report_created;
CREATE INDEX deals_report_created ON deals (workspace_id, created_at, pipeline_id, owner_id, status, stage_id, source, id, loss_reason_id, stages_passed, first_response_at) WHERE deleted_at IS NULL;
ALTER TABLE deal_stage_history ADD COLUMN deal_source TEXT;
UPDATE deal_stage_history SET deal_source = (SELECT d.source FROM deals d
    WHERE d.workspace_id = deal_stage_history.workspace_id AND d.id = deal_stage_history.deal_id);
DROP INDEX deal_stage_history_left;
CREATE INDEX deal_stage_history_left ON deal_stage_history (workspace_id, left_at, pipeline_id, stage_id, deal_pipeline_id, deal_id, left_by, days, deal_source);
ANALYZE deals;
ANALYZE deal_stage_history;

-- +goose Down
DROP INDEX deals_report_created;
CREATE INDEX deals_report_created ON deals (workspace_id, created_at, pipeline_id, owner_id, status, stage_id, source, id, loss_reason_id, stages_passed) WHERE deleted_at IS NULL;
ALTER TABLE deals DROP COLUMN first_response_at;
DROP INDEX deal_stage_history_left;
CREATE INDEX deal_stage_history_left ON deal_stage_history (workspace_id, left_at, pipeline_id, stage_id, deal_pipeline_id, deal_id, left_by, days);
ALTER TABLE deal_stage_history DROP COLUMN deal_source;
