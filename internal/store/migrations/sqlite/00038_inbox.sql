-- The inbox of incoming requests (internal/inbox): every request that is
-- not yet a deal, with where it came from (channel, source, UTM tags,
-- referrer), what it said (the raw payload and the few values read from
-- it), the contact or company it matched, and how it was sorted (accepted
-- into a deal, linked to one, declined with a reason, or kept as spam).
-- inbox_forms are the web forms that feed it; nonce makes a replayed
-- submission of one form token land once.

-- +goose Up
CREATE TABLE inbox_forms (
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id),
    id               INTEGER PRIMARY KEY,
    public_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    language         TEXT NOT NULL DEFAULT 'en',
    definition       TEXT NOT NULL DEFAULT '{}',
    secret           TEXT NOT NULL,
    pipeline_id      INTEGER,
    active           INTEGER NOT NULL DEFAULT 1,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, public_id)
);

CREATE TABLE inbox_requests (
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id),
    id               INTEGER PRIMARY KEY,
    pipeline_id      INTEGER,
    form_id          INTEGER,
    channel          TEXT NOT NULL CHECK (channel IN ('web_form', 'phone_call', 'chat', 'email', 'api')),
    source           TEXT NOT NULL DEFAULT '',
    utm_source       TEXT NOT NULL DEFAULT '',
    utm_medium       TEXT NOT NULL DEFAULT '',
    utm_campaign     TEXT NOT NULL DEFAULT '',
    utm_term         TEXT NOT NULL DEFAULT '',
    utm_content      TEXT NOT NULL DEFAULT '',
    referrer         TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL DEFAULT '{}',
    name             TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    company_name     TEXT NOT NULL DEFAULT '',
    message          TEXT NOT NULL DEFAULT '',
    consent          TEXT,
    contact_id       INTEGER,
    company_id       INTEGER,
    matches          INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL CHECK (status IN ('new', 'accepted', 'linked', 'declined', 'spam')),
    spam_reason      TEXT NOT NULL DEFAULT '',
    decline_reason   TEXT NOT NULL DEFAULT '',
    deal_id          INTEGER,
    assigned_user_id INTEGER,
    client_address   TEXT NOT NULL DEFAULT '',
    nonce            TEXT,
    received_at      TEXT NOT NULL,
    sorted_at        TEXT,
    sorted_by        INTEGER,
    UNIQUE (workspace_id, id),
    UNIQUE (workspace_id, form_id, nonce)
);
CREATE INDEX inbox_requests_status ON inbox_requests (workspace_id, status, received_at, id);
CREATE INDEX inbox_requests_channel ON inbox_requests (workspace_id, channel, received_at);

-- +goose Down
DROP INDEX inbox_requests_channel;
DROP INDEX inbox_requests_status;
DROP TABLE inbox_requests;
DROP TABLE inbox_forms;
