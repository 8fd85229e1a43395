-- Chat channels (internal/inbox/chat.go, docs/decisions/0052-chat-channels.md):
-- each channel has a public id in its URL, the hash of its token and the
-- map from a provider's payload to a message. chat_messages makes a
-- message land once per channel and provider message id, and keeps what
-- it became so that a repeat gets the same answer (and the inbox request
-- it made, so that the sender is known once the request is accepted);
-- chat_senders remembers which contact a provider's sender id is.

-- +goose Up
CREATE TABLE chat_channels (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    public_id    TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    field_map    TEXT NOT NULL DEFAULT '{}',
    created_by   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX chat_channels_workspace ON chat_channels (workspace_id, id);

CREATE TABLE chat_messages (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    channel_id   INTEGER NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    message_id   TEXT NOT NULL,
    sender_id    TEXT NOT NULL,
    request_id   INTEGER,
    result       TEXT,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (channel_id, message_id)
);
CREATE INDEX chat_messages_sender ON chat_messages (workspace_id, channel_id, sender_id);

CREATE TABLE chat_senders (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    channel_id   INTEGER NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    sender_id    TEXT NOT NULL,
    contact_id   INTEGER NOT NULL,
    PRIMARY KEY (channel_id, sender_id)
);
CREATE INDEX chat_senders_contact ON chat_senders (workspace_id, contact_id);

-- +goose Down
DROP TABLE chat_senders;
DROP TABLE chat_messages;
DROP TABLE chat_channels;
