-- Reports read the recorded history by period: deals by the day they were
-- created and closed (with what the reports group and sum, so the rows are
-- read from the index alone), stays in stages by the day they ended, and
-- a customer's earlier wins to tell a repeat customer from a new one;
-- tasks done, calls and notes by day with their owner, so that a report
-- narrowed to some owners reads the index alone, not each activity.

-- +goose Up
CREATE INDEX deals_report_created ON deals (workspace_id, created_at, pipeline_id, owner_id, status, stage_id, source, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_report_closed ON deals (workspace_id, closed_at, status, pipeline_id, owner_id, source, value_currency, value_amount, company_id, id) WHERE deleted_at IS NULL AND status IN ('won', 'lost');
CREATE INDEX deals_report_open_source ON deals (workspace_id, source, stage_id, owner_id, value_currency, value_amount) WHERE deleted_at IS NULL AND status = 'open';
CREATE INDEX deals_report_company_won ON deals (workspace_id, company_id, closed_at) WHERE deleted_at IS NULL AND status = 'won';
CREATE INDEX deal_stage_history_left ON deal_stage_history (workspace_id, left_at, pipeline_id, stage_id, deal_id, entered_at, left_by);
CREATE INDEX deal_stage_history_report ON deal_stage_history (workspace_id, deal_id, pipeline_id, stage_id);
CREATE INDEX activities_report_overdue ON activities (workspace_id, owner_id, due_at) WHERE kind = 'task' AND done = 0 AND deleted_at IS NULL;
CREATE INDEX activities_report_done ON activities (workspace_id, done_at, owner_id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_report_calls ON activities (workspace_id, occurred_at, owner_id, direction) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_report_notes ON activities (workspace_id, occurred_at, owner_id) WHERE kind = 'note' AND deleted_at IS NULL;

-- +goose Down
DROP INDEX activities_report_notes;
DROP INDEX activities_report_calls;
DROP INDEX activities_report_done;
DROP INDEX activities_report_overdue;
DROP INDEX deal_stage_history_report;
DROP INDEX deal_stage_history_left;
DROP INDEX deals_report_company_won;
DROP INDEX deals_report_open_source;
DROP INDEX deals_report_closed;
DROP INDEX deals_report_created;
