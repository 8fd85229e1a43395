-- A list filtered on a select field and sorted by name (the commonest list
-- in a CRM: "web-form leads by last name") walks the name index and tests
-- every row when the select value is rare. These indexes let it seek to the
-- value and read the rows already in name order. The owner variant serves
-- the same list for a salesperson, whose role shows only their own records.

-- +goose Up
CREATE INDEX contacts_source_last_name ON contacts (workspace_id, source, last_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_owner_source_last_name ON contacts (workspace_id, owner_id, source, last_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_size_name ON companies (workspace_id, size, name NULLS FIRST, id) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX companies_size_name;
DROP INDEX contacts_owner_source_last_name;
DROP INDEX contacts_source_last_name;
