-- Each chat channel keeps the count of messages it has taken and the time
-- of the last, updated as a message lands, so that the settings list reads
-- one row per channel instead of counting a busy channel's million
-- messages on every view.

-- +goose Up
ALTER TABLE chat_channels ADD COLUMN messages BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_channels ADD COLUMN last_message_at TIMESTAMPTZ;
UPDATE chat_channels SET
    messages = (SELECT count(*) FROM chat_messages m WHERE m.channel_id = chat_channels.id AND m.result IS NOT NULL),
    last_message_at = (SELECT max(received_at) FROM chat_messages m WHERE m.channel_id = chat_channels.id AND m.result IS NOT NULL);

-- +goose Down
ALTER TABLE chat_channels DROP COLUMN last_message_at;
ALTER TABLE chat_channels DROP COLUMN messages;
