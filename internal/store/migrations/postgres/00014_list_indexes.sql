-- Lists at a million records (docs/decisions/0010-list-speed.md). Every
-- field a list sorts or filters by gets a B-tree on (workspace_id, [kind,]
-- its sort key, id) over the live records, text keys case-folded, plus
-- (owner, field) trees for the orders people list their own records in
-- and a tree of each object's trash. The statements below are the ones
-- internal/records/index.go describes; a test keeps the two in step.
-- Multi-valued fields and custom fields are indexed in field_values, one
-- row per value, filled by the engine in each write's transaction and by
-- a background builder for what was there before (field_indexes).

-- +goose Up
CREATE TABLE field_values (
    workspace_id BIGINT NOT NULL,
    object       TEXT NOT NULL,
    field        TEXT NOT NULL,
    record_id    BIGINT NOT NULL,
    n            SMALLINT NOT NULL, -- 1: the value is in num, 0: in text
    num          NUMERIC,
    text         TEXT COLLATE "C"
);
CREATE INDEX field_values_text ON field_values (workspace_id, object, field, text NULLS FIRST, record_id) WHERE n = 0;
CREATE INDEX field_values_num ON field_values (workspace_id, object, field, num NULLS FIRST, record_id) WHERE n = 1;
CREATE INDEX field_values_record ON field_values (workspace_id, object, record_id, field);

CREATE TABLE field_indexes (
    workspace_id BIGINT NOT NULL,
    object       TEXT NOT NULL,
    field        TEXT NOT NULL,
    state        TEXT NOT NULL, -- building, then ready
    next_id      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, object, field)
);

ALTER TABLE products ADD COLUMN price_amount BIGINT GENERATED ALWAYS AS ((price->>'amount')::bigint) STORED;
ALTER TABLE products ADD COLUMN price_currency TEXT GENERATED ALWAYS AS (price->>'currency') STORED;

-- Custom fields are compared with ->> and indexed in field_values.
DROP INDEX contacts_custom;
DROP INDEX companies_custom;

-- Indexes the ones below replace.
DROP INDEX contacts_last_name;
DROP INDEX contacts_first_name;
DROP INDEX contacts_full_name;
DROP INDEX contacts_updated_at;
DROP INDEX contacts_owner;
DROP INDEX contacts_owner_last_name;
DROP INDEX contacts_source_last_name;
DROP INDEX contacts_owner_source_last_name;
DROP INDEX contacts_deleted;
DROP INDEX companies_name;
DROP INDEX companies_updated_at;
DROP INDEX companies_owner;
DROP INDEX companies_owner_name;
DROP INDEX companies_size_name;
DROP INDEX deals_title;
DROP INDEX deals_updated_at;
DROP INDEX deals_owner;
DROP INDEX deals_company;
DROP INDEX products_name;
DROP INDEX activities_kind_updated_at;
DROP INDEX activities_owner;
DROP INDEX entries_name;
DROP INDEX entries_updated_at;

CREATE INDEX contacts_by_id ON contacts (workspace_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_created_at ON contacts (workspace_id, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_updated_at ON contacts (workspace_id, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_first_name ON contacts (workspace_id, (lower(first_name) COLLATE "C") NULLS FIRST, id) INCLUDE (first_name) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_last_name ON contacts (workspace_id, (lower(last_name) COLLATE "C") NULLS FIRST, id) INCLUDE (last_name) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_full_name ON contacts (workspace_id, (lower(full_name) COLLATE "C") NULLS FIRST, id) INCLUDE (full_name) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_website ON contacts (workspace_id, (lower(website) COLLATE "C") NULLS FIRST, id) INCLUDE (website) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_job_title ON contacts (workspace_id, (lower(job_title) COLLATE "C") NULLS FIRST, id) INCLUDE (job_title) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_language ON contacts (workspace_id, (lower(language) COLLATE "C") NULLS FIRST, id) INCLUDE (language) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_birthday ON contacts (workspace_id, birthday NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_source ON contacts (workspace_id, (lower(source) COLLATE "C") NULLS FIRST, id) INCLUDE (source) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_owner_id ON contacts (workspace_id, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_purchase_period_days ON contacts (workspace_id, purchase_period_days NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_last_purchase_on ON contacts (workspace_id, last_purchase_on NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_address_city ON contacts (workspace_id, (lower((address->>'city')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_address_region ON contacts (workspace_id, (lower((address->>'region')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_address_postal_code ON contacts (workspace_id, (lower((address->>'postal_code')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_address_country ON contacts (workspace_id, (lower((address->>'country')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_owner_last_name ON contacts (workspace_id, owner_id, (lower(last_name) COLLATE "C") NULLS FIRST, id) INCLUDE (last_name) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_owner_created_at ON contacts (workspace_id, owner_id, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_owner_updated_at ON contacts (workspace_id, owner_id, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_trash ON contacts (workspace_id, deleted_at NULLS FIRST, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX companies_by_id ON companies (workspace_id, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_created_at ON companies (workspace_id, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_updated_at ON companies (workspace_id, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_name ON companies (workspace_id, (lower(name) COLLATE "C") NULLS FIRST, id) INCLUDE (name) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_domain ON companies (workspace_id, (lower(domain) COLLATE "C") NULLS FIRST, id) INCLUDE (domain) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_website ON companies (workspace_id, (lower(website) COLLATE "C") NULLS FIRST, id) INCLUDE (website) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_industry ON companies (workspace_id, (lower(industry) COLLATE "C") NULLS FIRST, id) INCLUDE (industry) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_size ON companies (workspace_id, (lower(size) COLLATE "C") NULLS FIRST, id) INCLUDE (size) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_owner_id ON companies (workspace_id, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_purchase_period_days ON companies (workspace_id, purchase_period_days NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_last_purchase_on ON companies (workspace_id, last_purchase_on NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_address_city ON companies (workspace_id, (lower((address->>'city')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_address_region ON companies (workspace_id, (lower((address->>'region')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_address_postal_code ON companies (workspace_id, (lower((address->>'postal_code')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_address_country ON companies (workspace_id, (lower((address->>'country')) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_owner_name ON companies (workspace_id, owner_id, (lower(name) COLLATE "C") NULLS FIRST, id) INCLUDE (name) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_owner_created_at ON companies (workspace_id, owner_id, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_by_owner_updated_at ON companies (workspace_id, owner_id, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_trash ON companies (workspace_id, deleted_at NULLS FIRST, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX deals_by_id ON deals (workspace_id, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_created_at ON deals (workspace_id, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_updated_at ON deals (workspace_id, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_title ON deals (workspace_id, (lower(title) COLLATE "C") NULLS FIRST, id) INCLUDE (title) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_pipeline_id ON deals (workspace_id, pipeline_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_stage_id ON deals (workspace_id, stage_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_status ON deals (workspace_id, (lower(status) COLLATE "C") NULLS FIRST, id) INCLUDE (status) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_owner_id ON deals (workspace_id, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_company_id ON deals (workspace_id, company_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_expected_close_date ON deals (workspace_id, expected_close_date NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_closed_at ON deals (workspace_id, closed_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_source ON deals (workspace_id, (lower(source) COLLATE "C") NULLS FIRST, id) INCLUDE (source) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_loss_reason_id ON deals (workspace_id, loss_reason_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_stage_entered_at ON deals (workspace_id, stage_entered_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_value_amount ON deals (workspace_id, value_amount NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_value_currency ON deals (workspace_id, (lower(value_currency) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_owner_title ON deals (workspace_id, owner_id, (lower(title) COLLATE "C") NULLS FIRST, id) INCLUDE (title) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_owner_created_at ON deals (workspace_id, owner_id, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_owner_updated_at ON deals (workspace_id, owner_id, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_by_owner_expected_close_date ON deals (workspace_id, owner_id, expected_close_date NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_trash ON deals (workspace_id, deleted_at NULLS FIRST, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX products_by_id ON products (workspace_id, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_created_at ON products (workspace_id, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_updated_at ON products (workspace_id, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_name ON products (workspace_id, (lower(name) COLLATE "C") NULLS FIRST, id) INCLUDE (name) WHERE deleted_at IS NULL;
CREATE INDEX products_by_sku ON products (workspace_id, (lower(sku) COLLATE "C") NULLS FIRST, id) INCLUDE (sku) WHERE deleted_at IS NULL;
CREATE INDEX products_by_unit ON products (workspace_id, (lower(unit) COLLATE "C") NULLS FIRST, id) INCLUDE (unit) WHERE deleted_at IS NULL;
CREATE INDEX products_by_tax_rate ON products (workspace_id, tax_rate NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_active ON products (workspace_id, active NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_stock ON products (workspace_id, stock NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_low_stock_threshold ON products (workspace_id, low_stock_threshold NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_price_amount ON products (workspace_id, price_amount NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_by_price_currency ON products (workspace_id, (lower(price_currency) COLLATE "C") NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX products_trash ON products (workspace_id, deleted_at NULLS FIRST, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX activities_task_by_id ON activities (workspace_id, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_created_at ON activities (workspace_id, created_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_updated_at ON activities (workspace_id, updated_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_title ON activities (workspace_id, (lower(title) COLLATE "C") NULLS FIRST, id) INCLUDE (title) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_type ON activities (workspace_id, (lower(type) COLLATE "C") NULLS FIRST, id) INCLUDE (type) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_due_at ON activities (workspace_id, due_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_done ON activities (workspace_id, done NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_done_at ON activities (workspace_id, done_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_record_type ON activities (workspace_id, (lower(record_type) COLLATE "C") NULLS FIRST, id) INCLUDE (record_type) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_record_id ON activities (workspace_id, (lower(record_id) COLLATE "C") NULLS FIRST, id) INCLUDE (record_id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_owner_id ON activities (workspace_id, owner_id NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_occurred_at ON activities (workspace_id, occurred_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_owner_due_at ON activities (workspace_id, owner_id, due_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_by_owner_updated_at ON activities (workspace_id, owner_id, updated_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NULL;
CREATE INDEX activities_task_trash ON activities (workspace_id, deleted_at NULLS FIRST, id) WHERE kind = 'task' AND deleted_at IS NOT NULL;
CREATE INDEX activities_note_by_id ON activities (workspace_id, id) WHERE kind = 'note' AND deleted_at IS NULL;
CREATE INDEX activities_note_by_created_at ON activities (workspace_id, created_at NULLS FIRST, id) WHERE kind = 'note' AND deleted_at IS NULL;
CREATE INDEX activities_note_by_updated_at ON activities (workspace_id, updated_at NULLS FIRST, id) WHERE kind = 'note' AND deleted_at IS NULL;
CREATE INDEX activities_note_by_record_type ON activities (workspace_id, (lower(record_type) COLLATE "C") NULLS FIRST, id) INCLUDE (record_type) WHERE kind = 'note' AND deleted_at IS NULL;
CREATE INDEX activities_note_by_record_id ON activities (workspace_id, (lower(record_id) COLLATE "C") NULLS FIRST, id) INCLUDE (record_id) WHERE kind = 'note' AND deleted_at IS NULL;
CREATE INDEX activities_note_by_owner_id ON activities (workspace_id, owner_id NULLS FIRST, id) WHERE kind = 'note' AND deleted_at IS NULL;
CREATE INDEX activities_note_by_occurred_at ON activities (workspace_id, occurred_at NULLS FIRST, id) WHERE kind = 'note' AND deleted_at IS NULL;
CREATE INDEX activities_note_trash ON activities (workspace_id, deleted_at NULLS FIRST, id) WHERE kind = 'note' AND deleted_at IS NOT NULL;
CREATE INDEX activities_call_by_id ON activities (workspace_id, id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_created_at ON activities (workspace_id, created_at NULLS FIRST, id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_updated_at ON activities (workspace_id, updated_at NULLS FIRST, id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_direction ON activities (workspace_id, (lower(direction) COLLATE "C") NULLS FIRST, id) INCLUDE (direction) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_phone ON activities (workspace_id, (lower(phone) COLLATE "C") NULLS FIRST, id) INCLUDE (phone) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_duration_seconds ON activities (workspace_id, duration_seconds NULLS FIRST, id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_call_result ON activities (workspace_id, (lower(call_result) COLLATE "C") NULLS FIRST, id) INCLUDE (call_result) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_started_at ON activities (workspace_id, started_at NULLS FIRST, id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_record_type ON activities (workspace_id, (lower(record_type) COLLATE "C") NULLS FIRST, id) INCLUDE (record_type) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_record_id ON activities (workspace_id, (lower(record_id) COLLATE "C") NULLS FIRST, id) INCLUDE (record_id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_owner_id ON activities (workspace_id, owner_id NULLS FIRST, id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_by_occurred_at ON activities (workspace_id, occurred_at NULLS FIRST, id) WHERE kind = 'call' AND deleted_at IS NULL;
CREATE INDEX activities_call_trash ON activities (workspace_id, deleted_at NULLS FIRST, id) WHERE kind = 'call' AND deleted_at IS NOT NULL;
CREATE INDEX activities_meeting_by_id ON activities (workspace_id, id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_created_at ON activities (workspace_id, created_at NULLS FIRST, id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_updated_at ON activities (workspace_id, updated_at NULLS FIRST, id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_title ON activities (workspace_id, (lower(title) COLLATE "C") NULLS FIRST, id) INCLUDE (title) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_starts_at ON activities (workspace_id, starts_at NULLS FIRST, id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_ends_at ON activities (workspace_id, ends_at NULLS FIRST, id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_place ON activities (workspace_id, (lower(place) COLLATE "C") NULLS FIRST, id) INCLUDE (place) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_record_type ON activities (workspace_id, (lower(record_type) COLLATE "C") NULLS FIRST, id) INCLUDE (record_type) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_record_id ON activities (workspace_id, (lower(record_id) COLLATE "C") NULLS FIRST, id) INCLUDE (record_id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_owner_id ON activities (workspace_id, owner_id NULLS FIRST, id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_by_occurred_at ON activities (workspace_id, occurred_at NULLS FIRST, id) WHERE kind = 'meeting' AND deleted_at IS NULL;
CREATE INDEX activities_meeting_trash ON activities (workspace_id, deleted_at NULLS FIRST, id) WHERE kind = 'meeting' AND deleted_at IS NOT NULL;
CREATE INDEX entries_by_id ON entries (workspace_id, kind, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_by_created_at ON entries (workspace_id, kind, created_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_by_updated_at ON entries (workspace_id, kind, updated_at NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_by_name ON entries (workspace_id, kind, (lower(name) COLLATE "C") NULLS FIRST, id) INCLUDE (name) WHERE deleted_at IS NULL;
CREATE INDEX entries_by_owner_id ON entries (workspace_id, kind, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_trash ON entries (workspace_id, kind, deleted_at NULLS FIRST, id) WHERE deleted_at IS NOT NULL;

-- +goose Down
DROP INDEX entries_trash;
DROP INDEX entries_by_owner_id;
DROP INDEX entries_by_name;
DROP INDEX entries_by_updated_at;
DROP INDEX entries_by_created_at;
DROP INDEX entries_by_id;
DROP INDEX activities_meeting_trash;
DROP INDEX activities_meeting_by_occurred_at;
DROP INDEX activities_meeting_by_owner_id;
DROP INDEX activities_meeting_by_record_id;
DROP INDEX activities_meeting_by_record_type;
DROP INDEX activities_meeting_by_place;
DROP INDEX activities_meeting_by_ends_at;
DROP INDEX activities_meeting_by_starts_at;
DROP INDEX activities_meeting_by_title;
DROP INDEX activities_meeting_by_updated_at;
DROP INDEX activities_meeting_by_created_at;
DROP INDEX activities_meeting_by_id;
DROP INDEX activities_call_trash;
DROP INDEX activities_call_by_occurred_at;
DROP INDEX activities_call_by_owner_id;
DROP INDEX activities_call_by_record_id;
DROP INDEX activities_call_by_record_type;
DROP INDEX activities_call_by_started_at;
DROP INDEX activities_call_by_call_result;
DROP INDEX activities_call_by_duration_seconds;
DROP INDEX activities_call_by_phone;
DROP INDEX activities_call_by_direction;
DROP INDEX activities_call_by_updated_at;
DROP INDEX activities_call_by_created_at;
DROP INDEX activities_call_by_id;
DROP INDEX activities_note_trash;
DROP INDEX activities_note_by_occurred_at;
DROP INDEX activities_note_by_owner_id;
DROP INDEX activities_note_by_record_id;
DROP INDEX activities_note_by_record_type;
DROP INDEX activities_note_by_updated_at;
DROP INDEX activities_note_by_created_at;
DROP INDEX activities_note_by_id;
DROP INDEX activities_task_trash;
DROP INDEX activities_task_by_owner_updated_at;
DROP INDEX activities_task_by_owner_due_at;
DROP INDEX activities_task_by_occurred_at;
DROP INDEX activities_task_by_owner_id;
DROP INDEX activities_task_by_record_id;
DROP INDEX activities_task_by_record_type;
DROP INDEX activities_task_by_done_at;
DROP INDEX activities_task_by_done;
DROP INDEX activities_task_by_due_at;
DROP INDEX activities_task_by_type;
DROP INDEX activities_task_by_title;
DROP INDEX activities_task_by_updated_at;
DROP INDEX activities_task_by_created_at;
DROP INDEX activities_task_by_id;
DROP INDEX products_trash;
DROP INDEX products_by_price_currency;
DROP INDEX products_by_price_amount;
DROP INDEX products_by_low_stock_threshold;
DROP INDEX products_by_stock;
DROP INDEX products_by_active;
DROP INDEX products_by_tax_rate;
DROP INDEX products_by_unit;
DROP INDEX products_by_sku;
DROP INDEX products_by_name;
DROP INDEX products_by_updated_at;
DROP INDEX products_by_created_at;
DROP INDEX products_by_id;
DROP INDEX deals_trash;
DROP INDEX deals_by_owner_expected_close_date;
DROP INDEX deals_by_owner_updated_at;
DROP INDEX deals_by_owner_created_at;
DROP INDEX deals_by_owner_title;
DROP INDEX deals_by_value_currency;
DROP INDEX deals_by_value_amount;
DROP INDEX deals_by_stage_entered_at;
DROP INDEX deals_by_loss_reason_id;
DROP INDEX deals_by_source;
DROP INDEX deals_by_closed_at;
DROP INDEX deals_by_expected_close_date;
DROP INDEX deals_by_company_id;
DROP INDEX deals_by_owner_id;
DROP INDEX deals_by_status;
DROP INDEX deals_by_stage_id;
DROP INDEX deals_by_pipeline_id;
DROP INDEX deals_by_title;
DROP INDEX deals_by_updated_at;
DROP INDEX deals_by_created_at;
DROP INDEX deals_by_id;
DROP INDEX companies_trash;
DROP INDEX companies_by_owner_updated_at;
DROP INDEX companies_by_owner_created_at;
DROP INDEX companies_by_owner_name;
DROP INDEX companies_by_address_country;
DROP INDEX companies_by_address_postal_code;
DROP INDEX companies_by_address_region;
DROP INDEX companies_by_address_city;
DROP INDEX companies_by_last_purchase_on;
DROP INDEX companies_by_purchase_period_days;
DROP INDEX companies_by_owner_id;
DROP INDEX companies_by_size;
DROP INDEX companies_by_industry;
DROP INDEX companies_by_website;
DROP INDEX companies_by_domain;
DROP INDEX companies_by_name;
DROP INDEX companies_by_updated_at;
DROP INDEX companies_by_created_at;
DROP INDEX companies_by_id;
DROP INDEX contacts_trash;
DROP INDEX contacts_by_owner_updated_at;
DROP INDEX contacts_by_owner_created_at;
DROP INDEX contacts_by_owner_last_name;
DROP INDEX contacts_by_address_country;
DROP INDEX contacts_by_address_postal_code;
DROP INDEX contacts_by_address_region;
DROP INDEX contacts_by_address_city;
DROP INDEX contacts_by_last_purchase_on;
DROP INDEX contacts_by_purchase_period_days;
DROP INDEX contacts_by_owner_id;
DROP INDEX contacts_by_source;
DROP INDEX contacts_by_birthday;
DROP INDEX contacts_by_language;
DROP INDEX contacts_by_job_title;
DROP INDEX contacts_by_website;
DROP INDEX contacts_by_full_name;
DROP INDEX contacts_by_last_name;
DROP INDEX contacts_by_first_name;
DROP INDEX contacts_by_updated_at;
DROP INDEX contacts_by_created_at;
DROP INDEX contacts_by_id;
CREATE INDEX contacts_custom ON contacts USING GIN (custom jsonb_path_ops);
CREATE INDEX companies_custom ON companies USING GIN (custom jsonb_path_ops);
CREATE INDEX contacts_last_name ON contacts (workspace_id, last_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_first_name ON contacts (workspace_id, first_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_full_name ON contacts (workspace_id, full_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_updated_at ON contacts (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_owner ON contacts (workspace_id, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_owner_last_name ON contacts (workspace_id, owner_id, last_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_source_last_name ON contacts (workspace_id, source, last_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_owner_source_last_name ON contacts (workspace_id, owner_id, source, last_name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_deleted ON contacts (workspace_id, deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX companies_name ON companies (workspace_id, name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_updated_at ON companies (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_owner ON companies (workspace_id, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_owner_name ON companies (workspace_id, owner_id, name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_size_name ON companies (workspace_id, size, name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_title ON deals (workspace_id, title NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_updated_at ON deals (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_owner ON deals (workspace_id, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_company ON deals (workspace_id, company_id, id) WHERE deleted_at IS NULL;
CREATE INDEX products_name ON products (workspace_id, name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_kind_updated_at ON activities (workspace_id, kind, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_owner ON activities (workspace_id, kind, owner_id NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_name ON entries (workspace_id, kind, name NULLS FIRST, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_updated_at ON entries (workspace_id, kind, updated_at, id) WHERE deleted_at IS NULL;
ALTER TABLE products DROP COLUMN price_currency;
ALTER TABLE products DROP COLUMN price_amount;
DROP TABLE field_indexes;
DROP TABLE field_values;
