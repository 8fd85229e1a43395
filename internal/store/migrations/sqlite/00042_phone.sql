-- Telephony (internal/phone): the phone systems an administrator connected,
-- each with its own API token (only its hash is kept), the map of its
-- extensions to users, its ring groups and the URL that asks it to dial
-- (with the private ranges that URL may reach);
-- and every call they reported. A call is one row per integration and call
-- id, whatever order its events came in: each event kind stamps its own
-- column once, so an event sent twice is applied once, and the call is
-- logged when its first ending event lands (logged_at).

-- +goose Up
CREATE TABLE phone_integrations (
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id),
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    extensions     TEXT NOT NULL DEFAULT '{}',
    ring_groups    TEXT NOT NULL DEFAULT '{}',
    originate_url  TEXT NOT NULL DEFAULT '',
    originate_allow TEXT NOT NULL DEFAULT '[]',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT,
    UNIQUE (workspace_id, id)
);

CREATE TABLE phone_calls (
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id),
    id               INTEGER PRIMARY KEY,
    integration_id   INTEGER NOT NULL,
    call_id          TEXT NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    caller           TEXT NOT NULL DEFAULT '',
    callee           TEXT NOT NULL DEFAULT '',
    number           TEXT NOT NULL DEFAULT '',
    extension        TEXT NOT NULL DEFAULT '',
    user_id          INTEGER,
    ringing_at       TEXT,
    answered_at      TEXT,
    ended_at         TEXT,
    missed_at        TEXT,
    duration_seconds INTEGER NOT NULL DEFAULT 0,
    recording_url    TEXT NOT NULL DEFAULT '',
    result           TEXT NOT NULL DEFAULT '',
    contact_id       INTEGER,
    company_id       INTEGER,
    deal_id          INTEGER,
    activity_id      INTEGER,
    task_id          INTEGER,
    request_id       INTEGER,
    logged_at        TEXT,
    day              TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    UNIQUE (workspace_id, integration_id, call_id)
);
CREATE INDEX phone_calls_day ON phone_calls (workspace_id, day, user_id);

-- +goose Down
DROP INDEX phone_calls_day;
DROP TABLE phone_calls;
DROP TABLE phone_integrations;
