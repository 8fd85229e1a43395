-- The first-run set-up names the workspace and picks the country whose
-- numbering plan reads phone numbers written without a country code.

-- +goose Up
ALTER TABLE workspace_settings ADD COLUMN phone_region TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE workspace_settings DROP COLUMN phone_region;
