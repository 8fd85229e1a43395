-- Customer value (docs/decisions/0030-customer-value.md): RFM scores and
-- segment and the predicted lifetime value of contacts and companies,
-- derived from won deals by the value service's job, which alone writes
-- them. The predicted value's amount and currency are copied into columns
-- of their own so that lists sort and filter by them from an index.

-- +goose Up
-- value: begin (contacts)
ALTER TABLE contacts ADD COLUMN rfm_recency INTEGER;
ALTER TABLE contacts ADD COLUMN rfm_frequency INTEGER;
ALTER TABLE contacts ADD COLUMN rfm_monetary INTEGER;
ALTER TABLE contacts ADD COLUMN rfm_segment TEXT;
ALTER TABLE contacts ADD COLUMN clv_purchases REAL;
ALTER TABLE contacts ADD COLUMN clv_alive REAL;
ALTER TABLE contacts ADD COLUMN clv_value TEXT;
ALTER TABLE contacts ADD COLUMN clv_value_amount INTEGER;
ALTER TABLE contacts ADD COLUMN clv_value_currency TEXT;
-- Not fields: the purchases and their total in the base currency, for the
-- report's and the dashboard's historical lifetime value.
ALTER TABLE contacts ADD COLUMN value_purchases INTEGER;
ALTER TABLE contacts ADD COLUMN value_total_amount INTEGER;
-- value: end (contacts)
-- value: begin (companies)
ALTER TABLE companies ADD COLUMN rfm_recency INTEGER;
ALTER TABLE companies ADD COLUMN rfm_frequency INTEGER;
ALTER TABLE companies ADD COLUMN rfm_monetary INTEGER;
ALTER TABLE companies ADD COLUMN rfm_segment TEXT;
ALTER TABLE companies ADD COLUMN clv_purchases REAL;
ALTER TABLE companies ADD COLUMN clv_alive REAL;
ALTER TABLE companies ADD COLUMN clv_value TEXT;
ALTER TABLE companies ADD COLUMN clv_value_amount INTEGER;
ALTER TABLE companies ADD COLUMN clv_value_currency TEXT;
-- Not fields: the purchases and their total in the base currency, for the
-- report's and the dashboard's historical lifetime value.
ALTER TABLE companies ADD COLUMN value_purchases INTEGER;
ALTER TABLE companies ADD COLUMN value_total_amount INTEGER;
-- value: end (companies)
CREATE INDEX contacts_by_rfm_recency ON contacts (workspace_id, rfm_recency, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_rfm_frequency ON contacts (workspace_id, rfm_frequency, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_rfm_monetary ON contacts (workspace_id, rfm_monetary, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_rfm_segment ON contacts (workspace_id, rapport_fold(rfm_segment), id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_purchases ON contacts (workspace_id, clv_purchases, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_alive ON contacts (workspace_id, clv_alive, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_value_amount ON contacts (workspace_id, clv_value_amount, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_clv_value_currency ON contacts (workspace_id, rapport_fold(clv_value_currency), id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_recency ON companies (workspace_id, rfm_recency, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_frequency ON companies (workspace_id, rfm_frequency, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_monetary ON companies (workspace_id, rfm_monetary, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_rfm_segment ON companies (workspace_id, rapport_fold(rfm_segment), id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_purchases ON companies (workspace_id, clv_purchases, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_alive ON companies (workspace_id, clv_alive, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_value_amount ON companies (workspace_id, clv_value_amount, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_clv_value_currency ON companies (workspace_id, rapport_fold(clv_value_currency), id) WHERE deleted_at IS NULL;

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
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    object TEXT NOT NULL,
    fitted_at TEXT NOT NULL,
    customers INTEGER NOT NULL,
    repeat_customers INTEGER NOT NULL,
    base_currency TEXT NOT NULL,
    params TEXT NOT NULL,
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
