-- An interrupted import keeps its file so that it can be resumed, or be
-- discarded, which removes the file (decision 0067): one more status.

-- +goose Up
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('running', 'committed', 'dry_run', 'refused', 'failed', 'undone', 'cancelled', 'interrupted', 'discarded'));

-- +goose Down
UPDATE imports SET status = 'interrupted' WHERE status = 'discarded';
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('running', 'committed', 'dry_run', 'refused', 'failed', 'undone', 'cancelled', 'interrupted'));
