-- A personal mailbox sends too (internal/mailbox/send.go,
-- docs/decisions/0057-send-through-the-users-mailbox.md): its SMTP server,
-- with the mailbox's username and sealed password; no host means the
-- mailbox only receives. mailbox_outbox holds each letter a user sends
-- through their mailbox: queued until the SMTP server accepts it (sent_at
-- set then, in the transaction that queues the copy to the Sent folder),
-- and removed once that copy is saved.

-- +goose Up
ALTER TABLE mailboxes ADD COLUMN smtp_host TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN smtp_port INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN smtp_security TEXT NOT NULL DEFAULT '' CHECK (smtp_security IN ('', 'tls', 'starttls', 'plain'));

CREATE TABLE mailbox_outbox (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    id           INTEGER PRIMARY KEY,
    mailbox_id   INTEGER NOT NULL,
    message_id   TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    body         TEXT NOT NULL, -- the composed message, 7-bit (MIME-encoded)
    sent_at      TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, mailbox_id) REFERENCES mailboxes (workspace_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE mailbox_outbox;
ALTER TABLE mailboxes DROP COLUMN smtp_security;
ALTER TABLE mailboxes DROP COLUMN smtp_port;
ALTER TABLE mailboxes DROP COLUMN smtp_host;
