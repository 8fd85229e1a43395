-- Each deal's first response, kept on the deal by the sales service in
-- the transaction of every write that can change it: the time of the
-- owner's earliest live activity about the deal from its creation on.
-- The report by employee averages it per owner; reading it from the
-- reports' index of deals created replaces a seek into the activities per
-- deal (234,000 seeks, 0.8 s, for a year of the million-contact demo).
-- Each stay also carries its deal's source (deal_source, kept with
-- deal_pipeline_id), so that the time in stage and the report by employee
-- filtered by source read the stays alone instead of each one's deal.
-- The report by employee groups its counts by user. SQLite groups
-- through a sort unless an index gives the rows in the group's order, and
-- that sort cost it three times the reading (0.1 s against 0.03 s for a
-- year's notes): five indexes by user and then time let it read each
-- user's range of the period in order. PostgreSQL groups by hashing and
-- has no need of them.
-- As after 00030, a database that carries planner statistics needs
-- ANALYZE after this migration for the rebuilt index.

-- +goose Up
ALTER TABLE deals ADD COLUMN first_response_at TEXT;
UPDATE deals SET first_response_at = (SELECT min(a.occurred_at) FROM activities a INDEXED BY activities_report_response
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
CREATE INDEX deal_stage_history_moved ON deal_stage_history (workspace_id, left_by, left_at, deal_pipeline_id, deal_source);
CREATE INDEX deals_owner_created ON deals (workspace_id, owner_id, created_at, pipeline_id, source, first_response_at) WHERE deleted_at IS NULL;
CREATE INDEX activities_owner_done ON activities (workspace_id, owner_id, done_at) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_owner_calls ON activities (workspace_id, owner_id, direction, occurred_at) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_owner_notes ON activities (workspace_id, owner_id, occurred_at) WHERE kind = 'note' AND deleted_at IS NULL;

-- +goose Down
DROP INDEX activities_owner_notes;
DROP INDEX activities_owner_calls;
DROP INDEX activities_owner_done;
DROP INDEX deals_owner_created;
DROP INDEX deal_stage_history_moved;
DROP INDEX deals_report_created;
CREATE INDEX deals_report_created ON deals (workspace_id, created_at, pipeline_id, owner_id, status, stage_id, source, id, loss_reason_id, stages_passed) WHERE deleted_at IS NULL;
ALTER TABLE deals DROP COLUMN first_response_at;
DROP INDEX deal_stage_history_left;
CREATE INDEX deal_stage_history_left ON deal_stage_history (workspace_id, left_at, pipeline_id, stage_id, deal_pipeline_id, deal_id, left_by, days);
ALTER TABLE deal_stage_history DROP COLUMN deal_source;
