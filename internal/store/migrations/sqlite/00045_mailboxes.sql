-- Connected IMAP mailboxes (internal/mailbox): a user's personal mailbox
-- (owner_id set) or a shared one an administrator connects (owner_id
-- NULL). The password is sealed with the server's secret key (AES-GCM)
-- and never read back to a screen. mailbox_folders remembers, per chosen
-- folder, the UIDVALIDITY and the highest UID synced, so that a restart
-- resumes where the sync stopped. mail_messages are the messages synced,
-- with the bodies as received (the HTML is sanitised when shown);
-- mail_links file them on contacts, companies and deals; mail_blobs hold
-- attachments once per content (sha256); mail_ignores are the addresses
-- and domains a user keeps out of the CRM.

-- +goose Up
CREATE TABLE mailboxes (
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    id            INTEGER PRIMARY KEY,
    owner_id      INTEGER,
    address       TEXT NOT NULL,
    host          TEXT NOT NULL,
    port          INTEGER NOT NULL,
    security      TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'plain')),
    username      TEXT NOT NULL,
    secret        TEXT NOT NULL,
    folders       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'ok', 'failing')),
    last_error    TEXT NOT NULL DEFAULT '',
    synced_at     TEXT,
    messages      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)
);

CREATE TABLE mailbox_folders (
    workspace_id INTEGER NOT NULL,
    mailbox_id   INTEGER NOT NULL,
    name         TEXT NOT NULL,
    uidvalidity  INTEGER NOT NULL DEFAULT 0,
    last_uid     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, mailbox_id, name),
    FOREIGN KEY (workspace_id, mailbox_id) REFERENCES mailboxes (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE mail_messages (
    workspace_id INTEGER NOT NULL,
    id           INTEGER PRIMARY KEY,
    mailbox_id   INTEGER NOT NULL,
    folder       TEXT NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    message_id   TEXT NOT NULL,
    in_reply_to  TEXT NOT NULL DEFAULT '',
    refs         TEXT NOT NULL DEFAULT '',
    thread_id    TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    from_addr    TEXT NOT NULL DEFAULT '',
    from_name    TEXT NOT NULL DEFAULT '',
    to_addrs     TEXT NOT NULL DEFAULT '',
    cc_addrs     TEXT NOT NULL DEFAULT '',
    sent_at      TEXT NOT NULL,
    text_body    TEXT NOT NULL DEFAULT '',
    html_body    TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    problem      TEXT NOT NULL DEFAULT '',
    deal_id      INTEGER,
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, mailbox_id, folder, uidvalidity, uid),
    FOREIGN KEY (workspace_id, mailbox_id) REFERENCES mailboxes (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX mail_messages_message_id ON mail_messages (workspace_id, message_id);
CREATE INDEX mail_messages_thread ON mail_messages (workspace_id, thread_id);

CREATE TABLE mail_links (
    workspace_id INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    object       TEXT NOT NULL CHECK (object IN ('contact', 'company', 'deal')),
    record_id    INTEGER NOT NULL,
    sent_at      TEXT NOT NULL,
    PRIMARY KEY (workspace_id, message_id, object, record_id),
    FOREIGN KEY (workspace_id, message_id) REFERENCES mail_messages (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX mail_links_record ON mail_links (workspace_id, object, record_id, sent_at, message_id);

CREATE TABLE mail_blobs (
    workspace_id INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      TEXT NOT NULL, -- base64: backups carry text
    PRIMARY KEY (workspace_id, sha256)
);

CREATE TABLE mail_attachments (
    workspace_id INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_id   TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    sha256       TEXT,
    PRIMARY KEY (workspace_id, message_id, position),
    FOREIGN KEY (workspace_id, message_id) REFERENCES mail_messages (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE mail_ignores (
    workspace_id INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    pattern      TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id, pattern),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);

-- +goose Down
DROP TABLE mail_ignores;
DROP TABLE mail_attachments;
DROP TABLE mail_blobs;
DROP INDEX mail_links_record;
DROP TABLE mail_links;
DROP INDEX mail_messages_thread;
DROP INDEX mail_messages_message_id;
DROP TABLE mail_messages;
DROP TABLE mailbox_folders;
DROP TABLE mailboxes;
