-- A workspace's default language: the one its new users start with when
-- nobody picks one for them, and the set-up of their account suggests.

-- +goose Up
ALTER TABLE workspace_settings ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE workspace_settings DROP COLUMN language;
