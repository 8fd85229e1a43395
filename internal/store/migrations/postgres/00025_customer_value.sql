-- Customer value (docs/decisions/0030-customer-value.md): RFM scores and
-- segment and the predicted lifetime value of contacts and companies,
-- derived from won deals by the value service's job, which alone writes
-- them. The predicted value's amount and currency are copied into columns
-- of their own so that lists sort and filter by them from an index.

-- +goose Up
-- value: begin (contacts)
ALTER TABLE contacts ADD COLUMN rfm_recency BIGINT;
ALTER TABLE contacts ADD COLUMN rfm_frequency BIGINT;
ALTER TABLE contacts ADD COLUMN rfm_monetary BIGINT;
ALTER TABLE contacts ADD COLUMN rfm_segment TEXT;
ALTER TABLE contacts ADD COLUMN clv_purchases DOUBLE PRECISION;
ALTER TABLE contacts ADD COLUMN clv_alive DOUBLE PRECISION;
ALTER TABLE contacts ADD COLUMN clv_value JSONB;
ALTER TABLE contacts ADD COLUMN clv_value_amount BIGINT;
ALTER TABLE contacts ADD COLUMN clv_value_currency TEXT;
-- Not fields: the purchases and their total in the base currency, for the
-- report's and the dashboard's historical lifetime value.
ALTER TABLE contacts ADD COLUMN value_purchases BIGINT;
ALTER TABLE contacts ADD COLUMN value_total_amount BIGINT;
-- value: end (contacts)
-- value: begin (companies)
ALTER TABLE companies ADD COLUMN rfm_recency BIGINT;
ALTER TABLE companies ADD COLUMN rfm_frequency BIGINT;
ALTER TABLE companies ADD COLUMN rfm_monetary BIGINT;
ALTER TABLE companies ADD COLUMN rfm_segment TEXT;
ALTER TABLE companies ADD COLUMN clv_purchases DOUBLE PRECISION;
ALTER TABLE companies ADD COLUMN clv_alive DOUBLE PRECISION;
ALTER TABLE companies ADD COLUMN clv_value JSONB;
ALTER TABLE companies ADD COLUMN clv_value_amount BIGINT;
ALTER TABLE companies ADD COLUMN clv_value_currency TEXT;
-- Not fields: the purchases and their total in the base currency, for the
-- report's and the dashboard's historical lifetime value.
ALTER TABLE companies ADD COLUMN value_purchases BIGINT;
ALTER TABLE companies ADD COLUMN value_total_amount BIGINT;
-- value: end (companies)
CREATE INDEX contacts_by_rfm_recency ON contacts (workspace_id, rfm_recency NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_rfm_frequency ON contacts (workspace_id, rfm_frequency NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_rfm_monetary ON contacts (workspace_id, rfm_monetary NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_rfm_segment ON contacts (workspace_id, (lower(rfm_segment) COLLATE "C") NULLS FIRST, id) INCLUDE (rfm_segment) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_purchases ON contacts (workspace_id, clv_purchases NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_alive ON contacts (workspace_id, clv_alive NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_value_amount ON contacts (workspace_id, clv_value_amount NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_value_currency ON contacts (workspace_id, (lower(clv_value_currency) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_recency ON companies (workspace_id, rfm_recency NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_frequency ON companies (workspace_id, rfm_frequency NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_monetary ON companies (workspace_id, rfm_monetary NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_segment ON companies (workspace_id, (lower(rfm_segment) COLLATE "C") NULLS FIRST, id) INCLUDE (rfm_segment) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_purchases ON companies (workspace_id, clv_purchases NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_alive ON companies (workspace_id, clv_alive NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_value_amount ON companies (workspace_id, clv_value_amount NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_value_currency ON companies (workspace_id, (lower(clv_value_currency) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;

-- The report's counts and sums read the customers who bought from an
-- index of their own, covering what they add up (the value of those a
-- role may read, by segment).
CREATE INDEX contacts_value ON contacts (workspace_id, rfm_segment, owner_id, value_total_amount, clv_value_amount, value_purchases, deleted_at)
WHERE value_purchases IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX companies_value ON companies (workspace_id, rfm_segment, owner_id, value_total_amount, clv_value_amount, value_purchases, deleted_at)
WHERE value_purchases IS NOT NULL AND deleted_at IS NULL;

-- The fitted models of each workspace, per object (contact, company): what
-- the report shows, and why there is no prediction when history is short.
CREATE TABLE value_models (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    object TEXT NOT NULL,
    fitted_at TEXT NOT NULL,
    customers BIGINT NOT NULL,
    repeat_customers BIGINT NOT NULL,
    base_currency TEXT NOT NULL,
    params JSONB NOT NULL,
    PRIMARY KEY (workspace_id, object)
);

-- +goose Down
DROP INDEX companies_value;
DROP INDEX contacts_value;
DROP TABLE value_models;
DROP INDEX contacts_by_rfm_recency;
DROP INDEX contacts_by_rfm_frequency;
DROP INDEX contacts_by_rfm_monetary;
DROP INDEX contacts_by_rfm_segment;
DROP INDEX contacts_by_clv_purchases;
DROP INDEX contacts_by_clv_alive;
DROP INDEX contacts_by_clv_value_amount;
DROP INDEX contacts_by_clv_value_currency;
DROP INDEX companies_by_rfm_recency;
DROP INDEX companies_by_rfm_frequency;
DROP INDEX companies_by_rfm_monetary;
DROP INDEX companies_by_rfm_segment;
DROP INDEX companies_by_clv_purchases;
DROP INDEX companies_by_clv_alive;
DROP INDEX companies_by_clv_value_amount;
DROP INDEX companies_by_clv_value_currency;
ALTER TABLE contacts DROP COLUMN value_total_amount;
ALTER TABLE contacts DROP COLUMN value_purchases;
ALTER TABLE contacts DROP COLUMN clv_value_currency;
ALTER TABLE contacts DROP COLUMN clv_value_amount;
ALTER TABLE contacts DROP COLUMN clv_value;
ALTER TABLE contacts DROP COLUMN clv_alive;
ALTER TABLE contacts DROP COLUMN clv_purchases;
ALTER TABLE contacts DROP COLUMN rfm_segment;
ALTER TABLE contacts DROP COLUMN rfm_monetary;
ALTER TABLE contacts DROP COLUMN rfm_frequency;
ALTER TABLE contacts DROP COLUMN rfm_recency;
ALTER TABLE companies DROP COLUMN value_total_amount;
ALTER TABLE companies DROP COLUMN value_purchases;
ALTER TABLE companies DROP COLUMN clv_value_currency;
ALTER TABLE companies DROP COLUMN clv_value_amount;
ALTER TABLE companies DROP COLUMN clv_value;
ALTER TABLE companies DROP COLUMN clv_alive;
ALTER TABLE companies DROP COLUMN clv_purchases;
ALTER TABLE companies DROP COLUMN rfm_segment;
ALTER TABLE companies DROP COLUMN rfm_monetary;
ALTER TABLE companies DROP COLUMN rfm_frequency;
ALTER TABLE companies DROP COLUMN rfm_recency;
