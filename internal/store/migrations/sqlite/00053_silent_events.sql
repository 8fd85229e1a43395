-- Silent events (docs/decisions/0063-silent-imports-and-new-fields.md): a
-- change written by an import that asked to tell nobody. The consumers
-- that reach people or other systems (webhooks) pass such an event by;
-- those that keep derived data (audit, search) read it as any other.

-- +goose Up
ALTER TABLE outbox ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE outbox DROP COLUMN silent;
