-- The customer value report's top customers for a role that sees some
-- owners' records only: an index by owner and predicted value, so the top
-- ten of a salesperson is a short range instead of a walk down the whole
-- workspace's value index past everyone else's customers.

-- +goose Up
CREATE INDEX contacts_value_by_owner ON contacts (workspace_id, owner_id, clv_value_amount, id)
WHERE clv_value_amount IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX companies_value_by_owner ON companies (workspace_id, owner_id, clv_value_amount, id)
WHERE clv_value_amount IS NOT NULL AND deleted_at IS NULL;

-- +goose Down
DROP INDEX companies_value_by_owner;
DROP INDEX contacts_value_by_owner;
