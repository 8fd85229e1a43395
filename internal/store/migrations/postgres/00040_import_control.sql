-- An import in the background can be cancelled, and one whose process
-- died is marked interrupted at the next start (decision 0047): two more
-- statuses.

-- +goose Up
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('running', 'committed', 'dry_run', 'refused', 'failed', 'undone', 'cancelled', 'interrupted'));

-- +goose Down
UPDATE imports SET status = 'failed' WHERE status IN ('cancelled', 'interrupted');
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('running', 'committed', 'dry_run', 'refused', 'failed', 'undone'));
